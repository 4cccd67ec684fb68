import { describe, expect, it } from 'vitest';
import { ThroughputEstimator } from '../../../src/core/throughput.js';

describe('ThroughputEstimator', () => {
  it('is undefined before a sample, and equals the first sample', () => {
    const t = new ThroughputEstimator(1000);
    expect(t.estimate()).toBeUndefined();
    t.sample(150_000, 30);
    expect(t.estimate()).toBeCloseTo(5000, 6);
  });

  it('ignores empty or invalid samples', () => {
    const t = new ThroughputEstimator(1000);
    t.sample(0, 10);
    t.sample(100, 0);
    t.sample(Number.NaN, 10);
    t.sample(100, -5);
    expect(t.estimate()).toBeUndefined();
  });

  it('moves toward new samples, by half after one half-life of transfer time', () => {
    const t = new ThroughputEstimator(1000);
    t.sample(1000 * 1000, 1000); // 1000 bytes/ms for 1 s
    t.sample(3000 * 1000, 1000); // then 3000 bytes/ms for 1 s
    const e = t.estimate()!;
    expect(e).toBeGreaterThan(1000);
    expect(e).toBeLessThan(3000);
    // Zero-start corrected: weights 0.5*0.5/(0.75) and 0.5/(0.75) -> 1000/3 + 2000 = 2333.3
    expect(e).toBeCloseTo(2333.33, 1);
  });

  it('weighs a long transfer more than a short burst', () => {
    const t = new ThroughputEstimator(1000);
    t.sample(1000 * 2000, 2000); // 1000 bytes/ms for 2 s
    t.sample(10_000 * 5, 5); // a 5 ms burst at 10000 bytes/ms
    expect(t.estimate()!).toBeLessThan(1100);
  });

  it('rejects an invalid half-life', () => {
    expect(() => new ThroughputEstimator(0)).toThrow(RangeError);
    expect(() => new ThroughputEstimator(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
