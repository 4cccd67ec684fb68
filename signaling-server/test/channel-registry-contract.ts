import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CHANNEL, type Channel } from '../src/channels/channel.js';
import {
  ChannelRegistryError,
  type ChannelChange,
  type ChannelRegistry,
} from '../src/channels/channel-registry.js';

/** A store under test, fresh for each test and seeded with `seed`. */
export type OpenRegistry = (seed: readonly Channel[]) => Promise<ChannelRegistry>;

export const SPORTS: Channel = {
  id: 'sports',
  name: 'Sports',
  sourceUrl: 'https://cdn.example/sports/master.m3u8',
  enabled: true,
  p2pEnabled: true,
  maxNeighbours: 6,
  allowedOrigins: ['https://site.example'],
};

async function eventually(check: () => void, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** The behaviour every ChannelRegistry store must have (memory, SQLite, Redis). */
export function describeChannelRegistry(store: string, open: OpenRegistry): void {
  describe(`ChannelRegistry contract: ${store}`, () => {
    let registry: ChannelRegistry;
    beforeEach(async () => {
      registry = await open([DEMO_CHANNEL]);
    });
    afterEach(async () => {
      await registry.destroy();
    });

    it('lists the seed, gets by id, and hands out copies', async () => {
      expect(await registry.list()).toEqual([DEMO_CHANNEL]);
      const demo = await registry.get('demo');
      expect(demo).toEqual(DEMO_CHANNEL);
      if (demo) demo.allowedOrigins.push('https://mutated.example');
      expect((await registry.get('demo'))?.allowedOrigins).toEqual([]);
      expect(await registry.get('nope')).toBeUndefined();
    });

    it('creates, refuses a taken id and an invalid channel, and lists sorted by id', async () => {
      expect(await registry.create(SPORTS)).toEqual(SPORTS);
      expect(await registry.get('sports')).toEqual(SPORTS);
      await expect(registry.create({ ...SPORTS, name: 'again' })).rejects.toMatchObject({
        type: 'channel-registry',
        code: 'exists',
      });
      await expect(registry.create({ ...SPORTS, id: 'Bad Id' })).rejects.toBeInstanceOf(
        ChannelRegistryError,
      );
      await registry.create({ ...SPORTS, id: 'arts' });
      expect((await registry.list()).map((c) => c.id)).toEqual(['arts', 'demo', 'sports']);
    });

    it('updates some fields, keeps the others, and answers undefined for unknown ids', async () => {
      const after = await registry.update('demo', { enabled: false, maxNeighbours: 3 });
      expect(after).toEqual({ ...DEMO_CHANNEL, enabled: false, maxNeighbours: 3 });
      expect(await registry.get('demo')).toEqual(after);
      expect(await registry.update('nope', { enabled: false })).toBeUndefined();
      await expect(registry.update('demo', { maxNeighbours: 0 })).rejects.toMatchObject({
        code: 'invalid',
      });
      expect((await registry.get('demo'))?.maxNeighbours).toBe(3);
    });

    it('deletes once', async () => {
      expect(await registry.delete('demo')).toBe(true);
      expect(await registry.get('demo')).toBeUndefined();
      expect(await registry.delete('demo')).toBe(false);
      expect(await registry.list()).toEqual([]);
    });

    it('tells watchers about every write, with the channel before and after', async () => {
      const changes: ChannelChange[] = [];
      const unwatch = registry.watch((c) => changes.push(c));
      await registry.create(SPORTS);
      await registry.update('sports', { enabled: false });
      await registry.delete('sports');
      await eventually(() => {
        expect(changes).toEqual([
          { kind: 'created', id: 'sports', after: SPORTS },
          { kind: 'updated', id: 'sports', before: SPORTS, after: { ...SPORTS, enabled: false } },
          { kind: 'deleted', id: 'sports', before: { ...SPORTS, enabled: false } },
        ]);
      });
      unwatch();
      await registry.update('demo', { name: 'unheard' });
      await new Promise((r) => setTimeout(r, 50));
      expect(changes).toHaveLength(3);
    });

    it('can be destroyed twice', async () => {
      await registry.destroy();
      await registry.destroy();
    });
  });
}
