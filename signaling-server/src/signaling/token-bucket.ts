/** How fast one kind of request may come from one connection. */
export interface TokenBucketConfig {
  /** Tokens added per second (the sustained rate). */
  ratePerSec: number;
  /** Most tokens held (the burst a fresh or quiet connection may send at once). */
  burst: number;
}

/** Throws unless `config` is usable: a positive finite rate and a burst of at least 1. */
export function validateTokenBucket(name: string, config: TokenBucketConfig): TokenBucketConfig {
  if (!Number.isFinite(config.ratePerSec) || config.ratePerSec <= 0) {
    throw new RangeError(`${name}.ratePerSec must be a positive number`);
  }
  if (!Number.isFinite(config.burst) || config.burst < 1) {
    throw new RangeError(`${name}.burst must be at least 1`);
  }
  return config;
}

/**
 * A token bucket for one connection and one kind of request: two numbers and a shared
 * config, so that ten thousand connections cost ten thousand small objects and no timers
 * (tokens are refilled lazily from the injected clock when one is taken).
 */
export class TokenBucket {
  private tokens: number;
  private stamp: number;

  /** @param now milliseconds, monotonic (the same clock for every call) */
  constructor(
    private readonly config: TokenBucketConfig,
    now: number,
  ) {
    this.tokens = config.burst;
    this.stamp = now;
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = now - this.stamp;
    if (elapsed > 0) {
      this.tokens = Math.min(
        this.config.burst,
        this.tokens + (elapsed * this.config.ratePerSec) / 1000,
      );
      this.stamp = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
