import { describe, expect, it } from 'vitest';
import { sampleNeighbours } from '../../../src/signaling/neighbour-sample.js';
import { seededRandom as seeded } from '../../../../test/support/seeded-random.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

describe('sampleNeighbours', () => {
  it('returns at most count distinct members, never an excluded one', () => {
    const random = seeded(1);
    for (const n of [0, 1, 2, 5, 9, 10, 50, 1000]) {
      for (const count of [0, 1, 3, 8, 20]) {
        const members = ids(n);
        const excluded = new Set(members.filter((_, i) => i % 3 === 0));
        excluded.add('p1');
        const got = sampleNeighbours(members, count, excluded, random);
        const eligible = members.filter((m) => !excluded.has(m)).length;
        expect(got).toHaveLength(Math.min(count, eligible));
        expect(new Set(got).size).toBe(got.length);
        for (const m of got) {
          expect(members).toContain(m);
          expect(excluded.has(m)).toBe(false);
        }
      }
    }
  });

  it('gives the whole eligible set when the swarm is smaller than count', () => {
    const got = sampleNeighbours(['a', 'b', 'c', 'self'], 8, new Set(['self']), seeded(2));
    expect([...got].sort()).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['small swarm (exact method)', 12, 3],
    ['large swarm (rejection sampling)', 400, 8],
  ])('picks every member about equally often: %s', (_name, n, count) => {
    const members = ids(n);
    const random = seeded(42);
    const hits = new Map<string, number>(members.map((m) => [m, 0]));
    const trials = Math.ceil((2000 * n) / count);
    for (let t = 0; t < trials; t++) {
      for (const m of sampleNeighbours(members, count, new Set(['p0']), random)) {
        hits.set(m, (hits.get(m) ?? 0) + 1);
      }
    }
    expect(hits.get('p0')).toBe(0);
    const expected = (trials * count) / (n - 1);
    for (const [m, h] of hits) {
      if (m === 'p0') continue;
      // 2000 expected hits each: ±15 % is more than 6 standard deviations.
      expect(Math.abs(h - expected) / expected).toBeLessThan(0.15);
    }
  });

  it('survives a degenerate random source (always 0, 1 or NaN)', () => {
    for (const r of [0, 1, Number.NaN, 0.9999999999]) {
      const members = ids(500);
      const got = sampleNeighbours(members, 8, new Set(['p0']), () => r);
      expect(got).toHaveLength(8);
      expect(new Set(got).size).toBe(8);
      expect(got).not.toContain('p0');
    }
  });

  it('does not scan a large swarm for a small sample', () => {
    const members = ids(100_000);
    let draws = 0;
    const random = seeded(7);
    sampleNeighbours(members, 8, new Set(), () => {
      draws++;
      return random();
    });
    expect(draws).toBeLessThan(40);
  });
});
