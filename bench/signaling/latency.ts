/** Percentiles of a set of latencies, in ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Collects latency samples (ms) and summarises them. */
export class LatencyRecorder {
  private samples = new Float64Array(1024);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.n).sort();
    const at = (q: number): number =>
      this.n === 0 ? NaN : sorted[Math.min(this.n - 1, Math.ceil(q * this.n) - 1)]!;
    return { count: this.n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds to `digits` decimals for the report (NaN stays NaN). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
