import { describe, expect, it } from 'vitest';
import { LocalityIndex } from '../../../src/signaling/locality-index.js';
import {
  sampleByLocality,
  sampleLocalNeighbours,
} from '../../../src/signaling/neighbour-sample.js';
import { SwarmRegistry } from '../../../src/signaling/swarm-registry.js';
import { seededRandom as seeded } from '../../../../test/support/seeded-random.js';

const SWARM = 'live/720p';

interface Mesh {
  region: Map<string, string>;
  /** Each joiner's neighbour list (the links it initiates). */
  lists: Map<string, string[]>;
}

/** Viewers from `regions` join one by one (alternating) and take their neighbour lists. */
function joinAll(n: number, regions: string[], share: number, seed: number): Mesh {
  const registry = new SwarmRegistry(seeded(seed), share);
  const region = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const id = `v${i}`;
    const r = regions[i % regions.length] ?? 'none';
    region.set(id, r);
    lists.set(id, registry.neighbours(SWARM, id, 8, [], `r:${r}`));
    registry.add(SWARM, id, `r:${r}`);
  }
  return { region, lists };
}

/** Viewers reached from the first one over the union of the lists, as undirected links. */
function reachable({ lists }: Mesh): number {
  const adjacent = new Map<string, string[]>();
  const link = (a: string, b: string): void => {
    adjacent.set(a, [...(adjacent.get(a) ?? []), b]);
  };
  for (const [id, list] of lists) {
    adjacent.set(id, adjacent.get(id) ?? []);
    for (const n of list) {
      link(id, n);
      link(n, id);
    }
  }
  const seen = new Set(['v0']);
  const queue = ['v0'];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const n of adjacent.get(next) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return seen.size;
}

function sameRegionShare({ region, lists }: Mesh): number {
  let same = 0;
  let all = 0;
  for (const [id, list] of lists) {
    for (const n of list) {
      all++;
      if (region.get(n) === region.get(id)) same++;
    }
  }
  return same / all;
}

describe('locality-aware neighbour lists', () => {
  it('are mostly same-region for two regions and keep the graph connected', () => {
    for (const seed of [1, 2, 3]) {
      const mesh = joinAll(2000, ['eu', 'us'], 0.25, seed);
      // 6 of 8 local + 2 random of which half are local: 87.5 % expected (random: 50 %).
      const share = sameRegionShare(mesh);
      expect(share).toBeGreaterThan(0.84);
      expect(share).toBeLessThan(0.91);
      for (const [id, list] of mesh.lists) {
        if (Number(id.slice(1)) >= 9) expect(list).toHaveLength(8);
      }
      expect(reachable(mesh)).toBe(2000);
    }
  });

  it('without random links only the first joiners bridge the regions', () => {
    const mesh = joinAll(400, ['eu', 'us'], 0, 4);
    expect(sameRegionShare(mesh)).toBeGreaterThan(0.97);
    // The check can fail: a registry per region (no bridge at all) leaves two components.
    const eu = joinAll(200, ['eu'], 0, 5);
    const us = joinAll(200, ['us'], 0, 6);
    const split: Mesh = {
      region: new Map([...eu.region, ...[...us.region].map(([id, r]) => [`u${id}`, r] as const)]),
      lists: new Map([
        ...eu.lists,
        ...[...us.lists].map(([id, l]) => [`u${id}`, l.map((n) => `u${n}`)] as const),
      ]),
    };
    expect(reachable(split)).toBe(200);
  });

  it('random share 1 is plain random sampling', () => {
    const mesh = joinAll(2000, ['eu', 'us'], 1, 5);
    expect(Math.abs(sameRegionShare(mesh) - 0.5)).toBeLessThan(0.03);
  });

  it('keeps at least the random share even when the locality could fill the list', () => {
    const local = Array.from({ length: 500 }, (_, i) => `l${i}`);
    const far = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    const all = [...local, ...far];
    let farPicks = 0;
    const random = seeded(6);
    for (let t = 0; t < 1000; t++) {
      const got = sampleLocalNeighbours(all, local, 8, new Set(['l0']), random, 0.25);
      expect(got).toHaveLength(8);
      expect(new Set(got).size).toBe(8);
      expect(got).not.toContain('l0');
      expect(got.filter((g) => g.startsWith('l')).length).toBeGreaterThanOrEqual(6);
      farPicks += got.filter((g) => g.startsWith('f')).length;
    }
    // 2 random of 8, 10/11 of the swarm is far: ~1.82 far per list.
    expect(farPicks / 1000).toBeGreaterThan(1.6);
    expect(farPicks / 1000).toBeLessThan(2.0);
  });

  it('fills from the whole swarm when the locality is small, unknown or excluded', () => {
    const all = ['a', 'b', 'c', 'd', 'e', 'f'];
    const got = sampleLocalNeighbours(all, ['a', 'b'], 4, new Set(['a']), seeded(7), 0.25);
    expect(got).toHaveLength(4);
    expect(got[0]).toBe('b');
    expect(sampleLocalNeighbours(all, [], 10, new Set(), seeded(8), 0)).toHaveLength(6);
    expect(sampleLocalNeighbours(all, ['a'], 0, new Set(), seeded(8), 0)).toEqual([]);
    const records = all.map((id, i) => ({ id, locality: i < 3 ? 'x' : undefined }));
    const byRecords = sampleByLocality(records, 'x', 3, new Set(['a']), seeded(9), 0.3);
    expect(byRecords.slice(0, 2).sort()).toEqual(['b', 'c']);
    expect(byRecords).toHaveLength(3);
  });
});

describe('LocalityIndex', () => {
  it('keeps a pool per swarm and locality through moves and removals', () => {
    const index = new LocalityIndex();
    index.add('s', 'a', 'x');
    index.add('s', 'b', 'x');
    index.add('s', 'c', 'y');
    index.add('t', 'a', 'y');
    expect([...index.pool('s', 'x')].sort()).toEqual(['a', 'b']);
    expect(index.localityCount('s')).toBe(2);
    index.add('s', 'a', 'y'); // moved
    expect(index.pool('s', 'x')).toEqual(['b']);
    expect([...index.pool('s', 'y')].sort()).toEqual(['a', 'c']);
    expect(index.localityOf('s', 'a')).toBe('y');
    index.remove('s', 'b');
    index.remove('s', 'nobody');
    expect(index.pool('s', 'x')).toEqual([]);
    expect(index.localityCount('s')).toBe(1);
    expect(index.pool('t', 'y')).toEqual(['a']);
    expect(index.pool('s', undefined)).toEqual([]);
    index.clear();
    expect(index.localityCount('t')).toBe(0);
  });

  it('lets the registry use the locality recorded at join for later requests', () => {
    const registry = new SwarmRegistry(seeded(10), 0);
    for (let i = 0; i < 50; i++) registry.add(SWARM, `e${i}`, 'r:eu');
    for (let i = 0; i < 50; i++) registry.add(SWARM, `u${i}`, 'r:us');
    // `more` passes no locality: the one recorded for the asker applies.
    const got = registry.neighbours(SWARM, 'u3', 8, ['u4']);
    expect(got.every((p) => p.startsWith('u') && p !== 'u3' && p !== 'u4')).toBe(true);
    registry.remove(SWARM, 'u3');
    registry.add(SWARM, 'u3'); // rejoined without a locality: plain random again
    const mixed = new Set<string>();
    for (let t = 0; t < 20; t++)
      for (const p of registry.neighbours(SWARM, 'u3', 8)) mixed.add(p[0] ?? '');
    expect(mixed).toEqual(new Set(['e', 'u']));
  });
});
