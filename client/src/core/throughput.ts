/**
 * Exponentially weighted moving average of a transfer rate, weighted by duration (as hls.js's
 * EWMA bandwidth estimator): a sample of `ms` milliseconds counts as much as `ms` samples of
 * one millisecond, so long transfers weigh more than short bursts. The estimate is corrected
 * for its zero start, so the first sample is the estimate.
 *
 * @example
 * const t = new ThroughputEstimator(2000);
 * t.sample(150_000, 30); // 150 kB in 30 ms
 * t.estimate(); // 5000 bytes/ms
 */
export class ThroughputEstimator {
  private readonly alpha: number;
  private value = 0;
  private totalWeight = 0;

  /** @param halfLifeMs transfer time after which a sample weighs half as much. */
  constructor(readonly halfLifeMs: number) {
    if (!Number.isFinite(halfLifeMs) || halfLifeMs <= 0) {
      throw new RangeError(`ThroughputEstimator: invalid halfLifeMs: ${halfLifeMs}`);
    }
    this.alpha = Math.exp(Math.log(0.5) / halfLifeMs);
  }

  /** Adds `bytes` that took `ms` milliseconds; ignored unless both are positive and finite. */
  sample(bytes: number, ms: number): void {
    if (!(bytes > 0 && ms > 0 && Number.isFinite(bytes) && Number.isFinite(ms))) return;
    const weight = this.alpha ** ms;
    this.value = (bytes / ms) * (1 - weight) + weight * this.value;
    this.totalWeight += ms;
  }

  /** Bytes per millisecond, or undefined before the first sample. */
  estimate(): number | undefined {
    if (this.totalWeight === 0) return undefined;
    return this.value / (1 - this.alpha ** this.totalWeight);
  }
}
