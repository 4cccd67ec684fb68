import { describe, expect, it } from 'vitest';
import { concatBytes, equalBytes } from '../../../src/core/bytes.js';

describe('concatBytes', () => {
  it('joins parts in order, all of them by default', () => {
    const out = concatBytes([Uint8Array.of(1, 2), Uint8Array.of(3), Uint8Array.of(4, 5)]);
    expect([...out]).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops at `length`, mid-part', () => {
    expect([...concatBytes([Uint8Array.of(1, 2), Uint8Array.of(3, 4)], 3)]).toEqual([1, 2, 3]);
    expect([...concatBytes([Uint8Array.of(1, 2), Uint8Array.of(3, 4)], 1)]).toEqual([1]);
  });

  it('returns a single part of the right length without a copy, and copies otherwise', () => {
    const one = Uint8Array.of(7, 8, 9);
    expect(concatBytes([one])).toBe(one);
    const head = concatBytes([one], 2);
    expect([...head]).toEqual([7, 8]);
    one[0] = 0;
    expect(head[0]).toBe(7);
  });

  it('gives an empty array for no parts', () => {
    expect(concatBytes([]).length).toBe(0);
  });
});

describe('equalBytes', () => {
  it('compares lengths and every byte', () => {
    expect(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
