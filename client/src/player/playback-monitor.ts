import { Emitter } from '../core/emitter.js';

/** What a viewer experiences, measured on the media element. */
export interface PlaybackQoe {
  /** Player created -> first frame shown, ms; undefined until then. */
  startupMs: number | undefined;
  /** Stalls after startup (the startup wait is not a stall). */
  stalls: number;
  /** Total stall time after startup, ms, including a stall in progress. */
  stallMs: number;
  /** Time spent playing after startup, ms. */
  playMs: number;
  /** stallMs / (playMs + stallMs); 0 before startup. */
  rebufferRatio: number;
  /** Seconds of media buffered ahead of the playhead. */
  bufferSec: number;
  /** True while stalled. */
  stalled: boolean;
}

export interface PlaybackMonitorEvents {
  firstFrame: (startupMs: number) => void;
  stallStart: () => void;
  stallEnd: (durationMs: number) => void;
}

/**
 * Watches a `<video>` element: startup time, stalls (count and duration) and buffer. A stall
 * starts on `waiting` after the first frame (not while seeking) and ends when the playhead
 * moves again.
 */
export class PlaybackMonitor extends Emitter<PlaybackMonitorEvents> {
  private readonly createdAt: number;
  private firstFrameAt: number | undefined;
  private stallStartedAt: number | undefined;
  private stallCount = 0;
  private stallTotal = 0;
  private lastTime = 0;
  private readonly abort = new AbortController();

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    this.createdAt = now();
    const on = (type: string, fn: () => void): void => {
      video.addEventListener(type, fn, { signal: this.abort.signal });
    };
    on('playing', () => {
      this.onProgress();
    });
    on('timeupdate', () => {
      if (video.currentTime !== this.lastTime && !video.paused) this.onProgress();
      this.lastTime = video.currentTime;
    });
    on('waiting', () => {
      this.onWaiting();
    });
  }

  private onProgress(): void {
    const t = this.now();
    if (this.firstFrameAt === undefined) {
      this.firstFrameAt = t;
      this.emit('firstFrame', t - this.createdAt);
    }
    if (this.stallStartedAt !== undefined) {
      const d = t - this.stallStartedAt;
      this.stallTotal += d;
      this.stallStartedAt = undefined;
      this.emit('stallEnd', d);
    }
  }

  private onWaiting(): void {
    if (this.firstFrameAt === undefined || this.video.seeking) return;
    if (this.stallStartedAt !== undefined) return;
    this.stallStartedAt = this.now();
    this.stallCount++;
    this.emit('stallStart');
  }

  qoe(): PlaybackQoe {
    const t = this.now();
    const ongoing = this.stallStartedAt === undefined ? 0 : t - this.stallStartedAt;
    const stallMs = this.stallTotal + ongoing;
    const sinceStart = this.firstFrameAt === undefined ? 0 : t - this.firstFrameAt;
    const playMs = Math.max(0, sinceStart - stallMs);
    return {
      startupMs: this.firstFrameAt === undefined ? undefined : this.firstFrameAt - this.createdAt,
      stalls: this.stallCount,
      stallMs,
      playMs,
      rebufferRatio: sinceStart > 0 ? stallMs / sinceStart : 0,
      bufferSec: bufferAhead(this.video),
      stalled: this.stallStartedAt !== undefined,
    };
  }

  destroy(): void {
    this.abort.abort();
    this.removeAllListeners();
  }
}

/** Seconds buffered ahead of the playhead in the range that contains it. */
export function bufferAhead(video: HTMLMediaElement): number {
  const t = video.currentTime;
  const b = video.buffered;
  for (let i = 0; i < b.length; i++) {
    if (b.start(i) <= t + 0.1 && t <= b.end(i)) return Math.max(0, b.end(i) - t);
  }
  return 0;
}
