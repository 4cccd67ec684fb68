import { describe, expect, it } from 'vitest';
import { HistoryRing } from '../../../src/qoe/history-ring.js';

describe('HistoryRing', () => {
  it('keeps the newest items, oldest first', () => {
    const ring = new HistoryRing<number>(3);
    expect(ring.toArray()).toEqual([]);
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    for (const n of [3, 4, 5, 6, 7]) ring.push(n);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    expect(ring.size).toBe(3);
    expect(ring.every((n) => n > 4)).toBe(true);
    expect(ring.every((n) => n > 5)).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new HistoryRing(0)).toThrow(RangeError);
    expect(() => new HistoryRing(1.5)).toThrow(RangeError);
  });
});
