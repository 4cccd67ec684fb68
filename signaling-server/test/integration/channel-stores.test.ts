import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import { ChannelRegistryError } from '../../src/channels/channel-registry.js';
import { RedisChannelRegistry } from '../../src/channels/redis-channel-registry.js';
import { SqliteChannelRegistry } from '../../src/channels/sqlite-channel-registry.js';
import { describeChannelRegistry, SPORTS } from '../channel-registry-contract.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'meshcast-stores-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
describeChannelRegistry('SQLite', (seed) =>
  Promise.resolve(new SqliteChannelRegistry({ file: join(dir, `contract-${++files}.db`), seed })),
);

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

let prefixes = 0;
describeChannelRegistry('Redis', (seed) =>
  RedisChannelRegistry.open({ url: redis.url, seed, keyPrefix: `contract-${++prefixes}:` }),
);

describe('SQLite store', () => {
  it('keeps channels across a restart and seeds the demo channel only on first start', async () => {
    const file = join(dir, 'nested', 'restart.db');
    const first = new SqliteChannelRegistry({ file, seed: [DEMO_CHANNEL] });
    await first.create(SPORTS);
    await first.update('sports', { name: 'Sports HD' });
    await first.delete('demo');
    await first.destroy();

    const second = new SqliteChannelRegistry({ file, seed: [DEMO_CHANNEL] });
    expect(await second.list()).toEqual([{ ...SPORTS, name: 'Sports HD' }]);
    await second.destroy();
  });

  it('fails with a store error naming the file when it cannot be opened', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const file = join(blocker, 'meshcast.db');
    let error: unknown;
    try {
      new SqliteChannelRegistry({ file, seed: [] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChannelRegistryError);
    expect(error).toMatchObject({ type: 'channel-registry', code: 'store' });
    expect((error as Error).message).toContain(file);
  });
});

describe('Redis store', () => {
  it('is shared by two registries, and each hears the other one’s writes', async () => {
    const a = await RedisChannelRegistry.open({
      url: redis.url,
      seed: [DEMO_CHANNEL],
      keyPrefix: 'shared:',
    });
    const b = await RedisChannelRegistry.open({
      url: redis.url,
      seed: [DEMO_CHANNEL],
      keyPrefix: 'shared:',
    });
    const heardByB: string[] = [];
    b.watch((c) => heardByB.push(`${c.kind}:${c.id}`));
    await a.create(SPORTS);
    expect(await b.get('sports')).toEqual(SPORTS);
    await b.delete('demo');
    expect(await a.list()).toEqual([SPORTS]);
    const deadline = Date.now() + 3000;
    while (heardByB.length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(heardByB).toEqual(['created:sports', 'deleted:demo']);
    await Promise.all([a.destroy(), b.destroy()]);

    // A later start does not seed again: the demo channel stays deleted.
    const c = await RedisChannelRegistry.open({
      url: redis.url,
      seed: [DEMO_CHANNEL],
      keyPrefix: 'shared:',
    });
    expect((await c.list()).map((ch) => ch.id)).toEqual(['sports']);
    await c.destroy();
  });

  it('loses no update when two servers change the same channel at once', async () => {
    const opts = { url: redis.url, seed: [DEMO_CHANNEL], keyPrefix: 'race:' };
    const a = await RedisChannelRegistry.open(opts);
    const b = await RedisChannelRegistry.open(opts);
    await Promise.all([
      a.update('demo', { name: 'renamed' }),
      b.update('demo', { maxNeighbours: 2 }),
      a.update('demo', { p2pEnabled: false }),
      b.update('demo', { allowedOrigins: ['https://a.example'] }),
    ]);
    expect(await a.get('demo')).toEqual({
      ...DEMO_CHANNEL,
      name: 'renamed',
      maxNeighbours: 2,
      p2pEnabled: false,
      allowedOrigins: ['https://a.example'],
    });
    await Promise.all([a.destroy(), b.destroy()]);
  });

  it('fails to open with a store error naming REDIS_URL when nothing listens', async () => {
    const stopped = await startRedis();
    await stopped.stop();
    await expect(
      RedisChannelRegistry.open({ url: stopped.url, seed: [], connectTimeoutMs: 1000 }),
    ).rejects.toThrow(/REDIS_URL/);
  });
});
