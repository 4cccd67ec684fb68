/**
 * What a viewer uploads, over all its connections: a few segments at a time (first come, first
 * served, so the first requester gets a whole copy at full speed and can pass it on, instead
 * of every requester getting a slow share), an optional cap in bytes/s (a token bucket), and
 * an estimate of how long a new request would wait, which the serving side uses to refuse
 * requests with `busy` rather than let them queue past their usefulness.
 */

/** Upload settings of one viewer. */
export interface UploadConfig {
  /** Most upload bytes per second over all connections; 0 = no cap. @default 0 */
  capBytesPerSec: number;
  /**
   * Segments sent at once over all connections; the others wait in order. One at a time gives
   * the first requester a whole copy soonest, so it can pass it on. @default 1
   */
  slots: number;
  /** Upload rate assumed before one is measured, bytes/ms (125 = 1 Mbit/s). @default 125 */
  initialRate: number;
}

export const DEFAULT_UPLOAD_CONFIG: Readonly<UploadConfig> = Object.freeze({
  capBytesPerSec: 0,
  slots: 1,
  initialRate: 125,
});

/** Merges and validates a partial config; throws RangeError on a bad value. */
export function resolveUploadConfig(partial: Partial<UploadConfig> = {}): UploadConfig {
  const c = { ...DEFAULT_UPLOAD_CONFIG, ...partial };
  if (!(Number.isFinite(c.capBytesPerSec) && c.capBytesPerSec >= 0)) {
    throw new RangeError(`upload capBytesPerSec must be >= 0, got ${String(c.capBytesPerSec)}`);
  }
  if (!(Number.isInteger(c.slots) && c.slots >= 1)) {
    throw new RangeError(`upload slots must be an integer >= 1, got ${String(c.slots)}`);
  }
  if (!(Number.isFinite(c.initialRate) && c.initialRate > 0)) {
    throw new RangeError(`upload initialRate must be > 0, got ${String(c.initialRate)}`);
  }
  return c;
}

/** Clock and timers of an {@link UploadLimiter}. */
export interface UploadPlatform {
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

interface Waiter {
  bytes: number;
  grant: () => void;
}

/** Token bucket depth, in ms of the cap: a short burst, then the cap holds. */
const BURST_MS = 100;

/**
 * Shared by every segment server of a viewer (all connections, all renditions).
 *
 * @example
 * const upload = new UploadLimiter({ capBytesPerSec: 100_000 });
 * const release = await upload.slot(segment.length);
 * for (const chunk of chunks) { await upload.take(chunk.length); send(chunk); }
 * release();
 */
export class UploadLimiter {
  readonly config: Readonly<UploadConfig>;
  private readonly platform: UploadPlatform;
  private active = 0;
  /** Bytes of the segments being sent that are not sent yet. */
  private activeLeft = 0;
  private readonly waiting: Waiter[] = [];
  private tokens: number;
  private refilledAt: number;
  private tokenTimer: unknown;
  private tokenWaiters: (() => void)[] = [];
  /** Measured rate while sending, bytes/ms. */
  private rate: number | undefined;
  private busySince: number | undefined;
  private sentWhileBusy = 0;
  private pausedMs = 0;
  private destroyed = false;

  constructor(config: Partial<UploadConfig> = {}, platform: Partial<UploadPlatform> = {}) {
    this.config = Object.freeze(resolveUploadConfig(config));
    this.platform = {
      now: platform.now ?? (() => performance.now()),
      setTimeout: platform.setTimeout ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimeout:
        platform.clearTimeout ??
        ((h) => {
          clearTimeout(h as ReturnType<typeof setTimeout>);
        }),
    };
    this.refilledAt = this.platform.now();
    this.tokens = this.burst();
  }

  /**
   * How long a new request would wait before its first byte, ms: 0 with a free slot, else the
   * bytes ahead of it over the upload rate (measured, at most the cap).
   */
  waitMs(): number {
    if (this.active < this.config.slots) return 0;
    const queued = this.waiting.reduce((sum, w) => sum + w.bytes, 0);
    return (this.activeLeft + queued) / this.uploadRate();
  }

  /** The measured upload rate (at most the cap), bytes/ms; undefined before a measurement. */
  get measuredRate(): number | undefined {
    if (this.rate === undefined) return undefined;
    const cap = this.config.capBytesPerSec / 1000;
    return cap > 0 ? Math.min(cap, this.rate) : this.rate;
  }

  /**
   * Marks time a sender holds its slot without sending (a relay waiting for its upstream's
   * bytes): it does not count against the measured rate. Call the returned function to resume.
   */
  pause(): () => void {
    const at = this.platform.now();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.pausedMs += this.platform.now() - at;
    };
  }

  /** Upload rate used for the estimate, bytes/ms. */
  uploadRate(): number {
    const cap = this.config.capBytesPerSec / 1000;
    const measured = this.rate ?? this.config.initialRate;
    return cap > 0 ? Math.min(cap, measured) : measured;
  }

  /** Resolves with a release function once one of the slots is free (in request order). */
  slot(bytes: number): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.active++;
        this.activeLeft += bytes;
        if (this.busySince === undefined) {
          this.busySince = this.platform.now();
          this.sentWhileBusy = 0;
          this.pausedMs = 0;
        }
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.finish(bytes);
        });
      };
      if (this.destroyed || this.active < this.config.slots) grant();
      else this.waiting.push({ bytes, grant });
    });
  }

  /** Resolves once `bytes` may be sent under the cap; counts them as sent. */
  async take(bytes: number): Promise<void> {
    const cap = this.config.capBytesPerSec / 1000;
    if (cap > 0) {
      while (!this.destroyed) {
        this.refill();
        // A chunk larger than the bucket goes once the bucket is full, then the debt waits.
        if (this.tokens >= Math.min(bytes, this.burst())) break;
        await new Promise<void>((resolve) => {
          this.tokenWaiters.push(resolve);
          this.armTokenTimer(Math.min(bytes, this.burst()) - this.tokens, cap);
        });
      }
      this.tokens -= bytes;
    }
    this.activeLeft = Math.max(0, this.activeLeft - bytes);
    this.sentWhileBusy += bytes;
  }

  /** Wakes everything waiting; later calls resolve at once. Safe to call twice. */
  destroy(): void {
    this.destroyed = true;
    this.platform.clearTimeout(this.tokenTimer);
    this.tokenTimer = undefined;
    for (const w of this.waiting.splice(0)) w.grant();
    this.wakeTokens();
  }

  private finish(bytes: number): void {
    this.active--;
    this.activeLeft = Math.max(0, this.activeLeft - bytes);
    const next = this.waiting.shift();
    if (next) {
      next.grant();
      return;
    }
    if (this.active > 0 || this.busySince === undefined) return;
    // All slots idle: one busy period ends; its mean rate is a sample of the upload rate.
    const span = this.platform.now() - this.busySince - this.pausedMs;
    if (span >= 50 && this.sentWhileBusy > 0) {
      const sample = this.sentWhileBusy / span;
      this.rate = this.rate === undefined ? sample : this.rate * 0.7 + sample * 0.3;
    }
    this.busySince = undefined;
  }

  private burst(): number {
    return Math.max(1, (this.config.capBytesPerSec / 1000) * BURST_MS);
  }

  private refill(): void {
    const now = this.platform.now();
    const cap = this.config.capBytesPerSec / 1000;
    this.tokens = Math.min(this.burst(), this.tokens + (now - this.refilledAt) * cap);
    this.refilledAt = now;
  }

  private armTokenTimer(missing: number, cap: number): void {
    if (this.tokenTimer !== undefined) return;
    this.tokenTimer = this.platform.setTimeout(
      () => {
        this.tokenTimer = undefined;
        this.wakeTokens();
      },
      Math.max(1, Math.ceil(missing / cap)),
    );
  }

  private wakeTokens(): void {
    const waiters = this.tokenWaiters;
    this.tokenWaiters = [];
    for (const w of waiters) w();
  }
}
