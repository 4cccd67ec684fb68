import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HashStore, SegmentHash } from '../../src/integrity/hash-store.js';
import { MemoryHashStore } from '../../src/integrity/memory-hash-store.js';
import { RedisHashStore } from '../../src/scale/redis-hash-store.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

const hash = (seq: number, fill = 'a'): SegmentHash => ({
  seq,
  size: 1000 + seq,
  sha256: fill.repeat(64),
});

let redis: TestRedis;
const connections: Redis[] = [];
let space = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await redis.stop();
});

/** Two handles on one store: two servers' views (the same object for the in-memory one). */
type Pair = () => [HashStore, HashStore];

const memory: Pair = () => {
  const store = new MemoryHashStore({ maxPerSwarm: 4 });
  return [store, store];
};
const shared: Pair = () => {
  const keyPrefix = `hs${++space}:`;
  const [x, y] = [new Redis(redis.url), new Redis(redis.url)];
  connections.push(x, y);
  return [
    new RedisHashStore(x, { maxPerSwarm: 4, keyPrefix }),
    new RedisHashStore(y, { maxPerSwarm: 4, keyPrefix }),
  ];
};

describe.each([
  ['MemoryHashStore', memory],
  ['RedisHashStore', shared],
])('%s', (_name, pair) => {
  it('keeps the first hash of a seq and lists the newest, ascending', async () => {
    const [a, b] = pair();
    expect(await a.put('demo/360p', hash(7))).toBe(true);
    expect(await b.put('demo/360p', hash(7, 'b'))).toBe(false);
    expect(await b.has('demo/360p', 7)).toBe(true);
    expect(await b.has('demo/360p', 8)).toBe(false);
    for (const seq of [9, 8, 10, 11]) await b.put('demo/360p', hash(seq));
    // Bounded: the oldest went.
    expect((await a.list('demo/360p', 10)).map((h) => h.seq)).toEqual([8, 9, 10, 11]);
    expect(await a.list('demo/360p', 2)).toEqual([hash(10), hash(11)]);
    expect(await a.list('demo/720p', 2)).toEqual([]);
  });

  it('forgets one channel, and only that one', async () => {
    const [a, b] = pair();
    await a.put('demo/360p', hash(1));
    await a.put('demo/720p', hash(1));
    await a.put('demolition/360p', hash(1));
    await b.deleteChannel('demo');
    expect(await a.has('demo/360p', 1)).toBe(false);
    expect(await a.has('demo/720p', 1)).toBe(false);
    expect(await a.has('demolition/360p', 1)).toBe(true);
  });
});

describe('RedisHashStore', () => {
  it('skips what it cannot read and stops writing once destroyed', async () => {
    const raw = new Redis(redis.url);
    connections.push(raw);
    const store = new RedisHashStore(raw, { keyPrefix: 'odd:' });
    await raw.zadd('odd:hashes:demo/360p', 3, 'not json', 4, JSON.stringify({ seq: 4 }));
    await store.put('demo/360p', hash(5));
    expect(await store.list('demo/360p', 10)).toEqual([hash(5)]);
    await store.destroy();
    expect(await store.put('demo/360p', hash(6))).toBe(false);
    expect(raw.status).toBe('ready');
    expect(() => new RedisHashStore(raw, { maxPerSwarm: 0 })).toThrow(RangeError);
  });
});
