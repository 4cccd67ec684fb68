import { describe, expect, it } from 'vitest';
import { TokenBucket, validateTokenBucket } from '../../../src/signaling/token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate, and never more than the burst after a pause', () => {
    const bucket = new TokenBucket({ ratePerSec: 2, burst: 3 }, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    // 2 tokens per second: one every 500 ms.
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(600)).toBe(false);
    // A long pause refills to the burst, not beyond.
    const after = 60_000;
    expect([1, 2, 3, 4].map(() => bucket.take(after))).toEqual([true, true, true, false]);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket({ ratePerSec: 1, burst: 1 }, 1000);
    expect(bucket.take(1000)).toBe(true);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.take(1999)).toBe(false);
    expect(bucket.take(2000)).toBe(true);
  });

  it('refuses unusable settings', () => {
    expect(() => validateTokenBucket('join', { ratePerSec: 0, burst: 1 })).toThrow(/ratePerSec/);
    expect(() => validateTokenBucket('join', { ratePerSec: NaN, burst: 1 })).toThrow(/ratePerSec/);
    expect(() => validateTokenBucket('relay', { ratePerSec: 1, burst: 0.5 })).toThrow(/burst/);
    expect(validateTokenBucket('relay', { ratePerSec: 0.5, burst: 1 })).toEqual({
      ratePerSec: 0.5,
      burst: 1,
    });
  });
});
