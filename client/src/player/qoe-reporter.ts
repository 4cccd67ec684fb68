import {
  QOE_REPORT_INTERVAL_MS,
  QOE_REPORT_PATH,
  RENDITION_PATTERN,
  type QoeReport,
} from '../signaling/protocol.js';
import { toHex } from '../core/bytes.js';
import type { PlayerStats } from './player.js';

export interface QoeReporterOptions {
  channel: string;
  /** Origin of the meshcast server. @default the page's origin */
  serverUrl?: string;
  /** The player's figures now. */
  stats: () => PlayerStats;
  /** Sends over the signaling socket; false when it cannot (then HTTP is used). */
  sendOverSocket?: (report: QoeReport) => boolean;
  /** @default QOE_REPORT_INTERVAL_MS (5000) */
  intervalMs?: number;
}

/** Builds the report of a session from the player's figures. */
export function toReport(
  channel: string,
  sessionId: string,
  s: PlayerStats,
  final: boolean,
): QoeReport {
  const onTime = Math.max(0, s.segmentsPlayed - s.stalls);
  return {
    channel,
    sessionId,
    ...(final && { final }),
    ...(s.rendition !== undefined &&
      RENDITION_PATTERN.test(s.rendition) && { rendition: s.rendition }),
    ...(s.startupMs !== undefined && { startupMs: Math.round(s.startupMs) }),
    stalls: s.stalls,
    stallMs: Math.round(s.stallMs),
    playMs: Math.round(s.playMs),
    rebufferRatio: Math.min(1, Math.max(0, s.rebufferRatio)),
    ...(s.continuityIndex !== undefined && { continuityIndex: s.continuityIndex }),
    segmentsPlayed: s.segmentsPlayed,
    segmentsOnTime: Math.min(onTime, s.segmentsPlayed),
    ...(s.latencySec !== undefined && { latencySec: s.latencySec }),
    switches: s.switches,
    cdnBytes: s.cdnBytes,
    p2pBytes: s.p2pBytes,
    uploadBytes: s.uploadBytes,
    peers: s.peers,
  };
}

/**
 * Reports the player's QoE to the server every few seconds (over the signaling socket when
 * there is one, else HTTP) and once more with `final: true` when the page is hidden
 * (`navigator.sendBeacon`, which survives the page going away).
 */
export class QoeReporter {
  /**
   * 128 random bits as hex. Not `crypto.randomUUID()`: that exists only in secure contexts,
   * and a site may serve the player over plain HTTP.
   */
  readonly sessionId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly endpoint: string;
  private readonly abort = new AbortController();
  private finished = false;

  constructor(private readonly o: QoeReporterOptions) {
    this.endpoint = new URL(QOE_REPORT_PATH, o.serverUrl ?? location.href).href;
    this.timer = setInterval(() => {
      this.send(false);
    }, o.intervalMs ?? QOE_REPORT_INTERVAL_MS);
    addEventListener(
      'pagehide',
      () => {
        this.finish();
      },
      { signal: this.abort.signal },
    );
  }

  private send(final: boolean): void {
    const report = toReport(this.o.channel, this.sessionId, this.o.stats(), final);
    if (!final && this.o.sendOverSocket?.(report)) return;
    const body = JSON.stringify(report);
    if (final && typeof navigator.sendBeacon === 'function') {
      if (navigator.sendBeacon(this.endpoint, body)) return;
    }
    fetch(this.endpoint, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      keepalive: true,
    }).catch(() => undefined); // reporting is best effort: playback never depends on it
  }

  /** Sends the final report now (page hide, player destroyed); later calls do nothing. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    this.abort.abort();
    this.send(true);
  }

  destroy(): void {
    this.finish();
  }
}
