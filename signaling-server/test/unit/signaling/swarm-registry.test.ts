import { describe, expect, it } from 'vitest';
import { SwarmRegistry } from '../../../src/signaling/swarm-registry.js';
import { seededRandom as seeded } from '../../../../test/support/seeded-random.js';

describe('SwarmRegistry', () => {
  it('tracks membership per swarm and per peer', () => {
    const r = new SwarmRegistry(seeded(1));
    expect(r.add('demo/360p', 'a')).toBe(true);
    expect(r.add('demo/360p', 'a')).toBe(false);
    r.add('demo/360p', 'b');
    r.add('demo/240p', 'a');
    expect(r.has('demo/360p', 'a')).toBe(true);
    expect(r.has('demo/240p', 'b')).toBe(false);
    expect(r.swarmsOf('a').sort()).toEqual(['demo/240p', 'demo/360p']);
    expect(r.stats()).toEqual({ swarms: 2, members: 3, peers: 2 });

    expect(r.remove('demo/240p', 'b')).toBe(false);
    expect(r.remove('demo/360p', 'a')).toBe(true);
    expect(r.has('demo/360p', 'a')).toBe(false);
    expect(r.has('demo/360p', 'b')).toBe(true);
    expect(r.removeAll('a')).toEqual(['demo/240p']);
    expect(r.stats()).toEqual({ swarms: 1, members: 1, peers: 1 });
    r.removeAll('b');
    expect(r.stats()).toEqual({ swarms: 0, members: 0, peers: 0 });
  });

  it('gives neighbours from the same swarm only, never self or excluded', () => {
    const r = new SwarmRegistry(seeded(2));
    for (let i = 0; i < 30; i++) r.add('c/hi', `h${i}`);
    for (let i = 0; i < 30; i++) r.add('c/lo', `l${i}`);
    const got = r.neighbours('c/hi', 'h3', 8, ['h4', 'h5']);
    expect(got).toHaveLength(8);
    for (const p of got) {
      expect(p).toMatch(/^h\d+$/);
      expect(['h3', 'h4', 'h5']).not.toContain(p);
    }
    expect(r.neighbours('nobody/here', 'h3', 8)).toEqual([]);
    expect(r.neighbours('c/hi', 'h3', 0)).toEqual([]);
  });

  it('stays consistent with a simple model under random adds and removes', () => {
    const random = seeded(3);
    const r = new SwarmRegistry(random);
    const model = new Map<string, Set<string>>();
    const swarms = ['a/1', 'a/2', 'b/1'];
    for (let step = 0; step < 5000; step++) {
      const swarm = swarms[Math.floor(random() * swarms.length)]!;
      const peer = `p${Math.floor(random() * 40)}`;
      const set = model.get(swarm) ?? new Set<string>();
      model.set(swarm, set);
      const op = random();
      if (op < 0.5) {
        expect(r.add(swarm, peer)).toBe(!set.has(peer));
        set.add(peer);
      } else if (op < 0.9) {
        expect(r.remove(swarm, peer)).toBe(set.has(peer));
        set.delete(peer);
      } else {
        r.removeAll(peer);
        for (const s of model.values()) s.delete(peer);
      }
      if (step % 97 === 0) {
        for (const [s, members] of model) {
          expect(r.size(s)).toBe(members.size);
          const all = r.neighbours(s, 'nobody', 1000);
          expect(new Set(all)).toEqual(members);
        }
      }
    }
    const members = [...model.values()].reduce((n, s) => n + s.size, 0);
    expect(r.stats().members).toBe(members);
    r.clear();
    expect(r.stats()).toEqual({ swarms: 0, members: 0, peers: 0 });
  });
});
