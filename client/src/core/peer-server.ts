import type { ArrivalSource } from './arrival.js';
import type { UploadLimiter } from './upload-limiter.js';
import {
  MAX_CHUNK_BYTES,
  MAX_SEGMENT_BYTES,
  RELAY_WITHHELD_BYTES,
  chunkSegment,
  type WireMessage,
} from './wire.js';

/** The serving side of a peer connection's settings. */
export interface ServingConfig {
  /** Inbound requests waiting to be served; a request beyond them is answered `absent`. @default 8 */
  maxServingQueue: number;
  /** Bytes buffered on the data channel above which serving waits for it to drain. @default 262144 */
  highWaterMark: number;
  /**
   * A request that would wait longer than this behind the viewer's other uploads is refused
   * with `busy` (the requester asks another holder), ms. @default 1500
   */
  maxServingWaitMs: number;
}

/** What the server needs from its connection. */
export interface PeerServerLink {
  /** The bytes of a segment this side holds, or undefined. */
  provide: (seq: number) => Uint8Array | undefined;
  /**
   * A segment this side is still receiving, to relay as it arrives (cut-through); none: only
   * complete segments are served.
   */
  arriving?: (seq: number) => ArrivalSource | undefined;
  send: (message: WireMessage) => void;
  /** Bytes queued on the data channel, not yet sent. */
  bufferedAmount: () => number;
  uploaded: (bytes: number, seq: number) => void;
  /** The viewer's upload slots and cap, shared by all its connections. */
  upload?: UploadLimiter;
}

interface Job {
  readonly requestId: number;
  readonly seq: number;
  /** A ranged request's first byte (0: the whole segment). */
  readonly offset: number;
  cancelled: boolean;
}

/** How often a server blocked on backpressure looks at the channel's buffer again. */
const DRAIN_POLL_MS = 5;

/**
 * Serves a remote's segment requests over one connection: one segment at a time, in request
 * order, as chunked data messages, never letting more than `highWaterMark` bytes pile up on the
 * data channel; a cancelled request stops between two chunks.
 */
export class PeerServer {
  private queue: Job[] = [];
  private current: Job | undefined;
  private sent = 0;
  private destroyed = false;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  /** Wakes a relay waiting for its upstream's next bytes (on cancel or destroy). */
  private wakeRelay: (() => void) | undefined;

  constructor(
    private readonly config: Readonly<ServingConfig>,
    private readonly link: PeerServerLink,
  ) {}

  /** Segment bytes sent so far. */
  get bytesSent(): number {
    return this.sent;
  }

  /** Requests queued or being served. */
  get load(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /**
   * Takes a remote request for `seq` from byte `offset` on: queues it, or answers `absent` when
   * the queue is full. A ranged request (offset > 0) is served from a complete segment only.
   */
  request(requestId: number, seq: number, offset = 0): void {
    if (this.destroyed) return;
    // A request id still in use is a confused remote; ignore the duplicate.
    if (
      this.current?.requestId === requestId ||
      this.queue.some((j) => j.requestId === requestId)
    ) {
      return;
    }
    if (this.queue.length >= this.config.maxServingQueue) {
      this.link.send({ type: 'absent', requestId, seq });
      return;
    }
    const waitMs = Math.round(this.link.upload?.waitMs() ?? 0);
    if (waitMs > this.config.maxServingWaitMs) {
      this.link.send({ type: 'busy', requestId, seq, waitMs: Math.min(waitMs, 0xffffffff) });
      return;
    }
    this.queue.push({ requestId, seq, offset, cancelled: false });
    void this.pump();
  }

  /** Drops a queued request, or stops the one being served after its current chunk. */
  cancel(requestId: number): void {
    this.queue = this.queue.filter((j) => j.requestId !== requestId);
    if (this.current?.requestId === requestId) {
      this.current.cancelled = true;
      this.wakeRelay?.();
    }
  }

  /** Stops serving and releases the drain timer. Safe to call twice. */
  destroy(): void {
    this.destroyed = true;
    this.queue = [];
    if (this.current) this.current.cancelled = true;
    clearTimeout(this.drainTimer);
    this.wake?.();
    this.wakeRelay?.();
  }

  private async pump(): Promise<void> {
    if (this.current) return;
    for (let job = this.queue.shift(); job && !this.destroyed; job = this.queue.shift()) {
      this.current = job;
      try {
        await this.serve(job);
      } finally {
        this.current = undefined;
      }
    }
  }

  private async serve(job: Job): Promise<void> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = this.link.provide(job.seq);
    } catch {
      bytes = undefined;
    }
    const messages = bytes && chunkSegmentOrUndefined(job, bytes);
    if (!messages) {
      // A range of a segment still arriving is not served: its holders have it whole.
      const arrival = bytes || job.offset > 0 ? undefined : this.arrivalOf(job.seq);
      if (arrival) {
        await this.relay(job, arrival);
        return;
      }
      this.link.send({ type: 'absent', requestId: job.requestId, seq: job.seq });
      return;
    }
    const upload = this.link.upload;
    const release = upload ? await upload.slot((messages[0]?.total ?? 0) - job.offset) : undefined;
    try {
      for (const message of messages) {
        await this.drained();
        await upload?.take(message.chunk.length);
        if (job.cancelled) return;
        this.link.send(message);
        this.sent += message.chunk.length;
        this.link.uploaded(message.chunk.length, job.seq);
      }
    } finally {
      release?.();
    }
  }

  private arrivalOf(seq: number): ArrivalSource | undefined {
    try {
      const a = this.link.arriving?.(seq);
      return a?.state === 'arriving' && a.total <= MAX_SEGMENT_BYTES ? a : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Serves a segment still arriving: chunks go out as they come in, but the last byte only once
   * the segment is complete and verified here; if it fails instead, the remote gets `absent`.
   */
  private async relay(job: Job, arrival: ArrivalSource): Promise<void> {
    const { requestId, seq } = job;
    const total = arrival.total;
    const upload = this.link.upload;
    const release = upload ? await upload.slot(total) : undefined;
    let sentUpTo = 0;
    try {
      for (;;) {
        if (this.stopped(job)) return;
        if (arrival.state === 'failed') {
          this.link.send({ type: 'absent', requestId, seq });
          return;
        }
        const complete = arrival.state === 'complete';
        // Withhold the final byte until the segment is verified here.
        const ready = complete ? total : Math.min(arrival.received, total - RELAY_WITHHELD_BYTES);
        if (sentUpTo >= ready && !(complete && sentUpTo === 0 && total === 0)) {
          if (complete) return;
          const resume = upload?.pause();
          await this.nextChange(arrival);
          resume?.();
          continue;
        }
        const end = Math.min(ready, sentUpTo + MAX_CHUNK_BYTES);
        const chunk = arrival.read(sentUpTo, end);
        if (!chunk) {
          this.link.send({ type: 'absent', requestId, seq });
          return;
        }
        await this.drained();
        await upload?.take(chunk.length);
        if (this.stopped(job)) return;
        this.link.send({ type: 'data', requestId, seq, total, offset: sentUpTo, chunk });
        sentUpTo = end;
        this.sent += chunk.length;
        this.link.uploaded(chunk.length, seq);
        if (complete && sentUpTo >= total) return;
      }
    } finally {
      release?.();
    }
  }

  /** Whether the job was cancelled or the server destroyed (re-read after every await). */
  private stopped(job: Job): boolean {
    return job.cancelled || this.destroyed;
  }

  /** Resolves on the arrival's next progress or end, or on cancel / destroy. */
  private nextChange(arrival: ArrivalSource): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        stop();
        this.wakeRelay = undefined;
        resolve();
      };
      const stop = arrival.watch(done);
      this.wakeRelay = done;
    });
  }

  /** Resolves once the channel buffer is at or below the high-water mark (or on destroy). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.destroyed || this.link.bufferedAmount() <= this.config.highWaterMark) {
          this.wake = undefined;
          this.drainTimer = undefined;
          resolve();
          return;
        }
        this.drainTimer = setTimeout(check, DRAIN_POLL_MS);
      };
      this.wake = () => {
        clearTimeout(this.drainTimer);
        check();
      };
      check();
    });
  }
}

function chunkSegmentOrUndefined(
  job: Job,
  bytes: Uint8Array,
): ReturnType<typeof chunkSegment> | undefined {
  try {
    return chunkSegment(job.requestId, job.seq, bytes, undefined, job.offset);
  } catch {
    // A segment too large for the wire, or an offset past its end: the remote takes it elsewhere.
    return undefined;
  }
}
