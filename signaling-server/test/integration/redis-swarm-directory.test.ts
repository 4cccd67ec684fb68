import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisSwarmDirectory } from '../../src/scale/redis-swarm-directory.js';
import { until } from './signaling-helpers.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

describe('RedisSwarmDirectory: swarms shared by servers on one Redis', () => {
  let redis: TestRedis;
  const opened: { directory: RedisSwarmDirectory; connections: Redis[] }[] = [];
  let prefix = 0;
  let keyPrefix = '';

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const { directory, connections } of opened.splice(0)) {
      await directory.destroy();
      for (const c of connections) c.disconnect();
    }
    // Each test in its own key space.
    keyPrefix = `t${++prefix}:`;
  });
  afterAll(async () => {
    await redis.stop();
  });

  const open = async (nodeTtlMs = 10_000, presenceCheckMs = 1000): Promise<RedisSwarmDirectory> => {
    const client = new Redis(redis.url);
    const subscriber = new Redis(redis.url, { retryStrategy: () => 200 });
    const directory = await RedisSwarmDirectory.open({
      client,
      subscriber,
      config: { nodeTtlMs, presenceCheckMs, keyPrefix: keyPrefix || 't0:' },
    });
    opened.push({ directory, connections: [client, subscriber] });
    return directory;
  };

  it('a member added on one server is a neighbour on the other, and leaves on both', async () => {
    const a = await open();
    const b = await open();
    expect(a.add('demo/360p', 'peer-a', '4:127.0.0')).toBe(true);
    expect(a.add('demo/360p', 'peer-a')).toBe(false);
    await until(() => b.has('demo/360p', 'peer-a'));
    expect(b.neighbours('demo/360p', 'peer-b', 8)).toEqual(['peer-a']);
    b.add('demo/360p', 'peer-b');
    await until(() => a.size('demo/360p') === 2);
    expect(a.neighbours('demo/360p', 'peer-a', 8)).toEqual(['peer-b']);
    // Each server counts its own members; the replica knows both servers'.
    expect(a.stats()).toEqual({ swarms: 1, members: 1, peers: 1 });
    expect(a.clusterStats()).toMatchObject({ swarms: 1, members: 2, servers: 2 });
    expect(new Set(await a.servers())).toEqual(new Set([a.nodeId, b.nodeId]));
    // Only the owner removes its members.
    expect(b.remove('demo/360p', 'peer-a')).toBe(false);
    expect(a.removeAll('peer-a')).toEqual(['demo/360p']);
    await until(() => !b.has('demo/360p', 'peer-a'));
    expect(b.size('demo/360p')).toBe(1);
  });

  it("prefers neighbours of the joiner's locality across servers", async () => {
    const a = await open();
    const b = await open();
    for (let i = 0; i < 20; i++) a.add('demo/360p', `far-${i}`, 'r:us');
    a.add('demo/360p', 'near-a', 'r:eu');
    b.add('demo/360p', 'near-b', 'r:eu');
    await until(() => a.size('demo/360p') === 22 && b.size('demo/360p') === 22);
    // 8 neighbours, a quarter of them random: both same-region members, from both servers.
    for (const d of [a, b]) {
      expect(d.neighbours('demo/360p', 'joiner', 8, [], 'r:eu')).toEqual(
        expect.arrayContaining(['near-a', 'near-b']),
      );
    }
  });

  it('a server that starts later loads the members already there', async () => {
    const a = await open();
    for (let i = 0; i < 50; i++) a.add(`demo/${i % 2 === 0 ? '360p' : '720p'}`, `p${i}`);
    a.remove('demo/360p', 'p0');
    await a.flush();
    const b = await open();
    expect(b.size('demo/360p')).toBe(24);
    expect(b.size('demo/720p')).toBe(25);
    expect(b.has('demo/360p', 'p0')).toBe(false);
  });

  it('a stopped server takes its members away at once', async () => {
    const a = await open();
    const b = await open();
    b.add('demo/360p', 'peer-b');
    await until(() => a.has('demo/360p', 'peer-b'));
    await b.destroy();
    await until(() => !a.has('demo/360p', 'peer-b'), 2000);
    expect(await a.servers()).toEqual([a.nodeId]);
  });

  it("a crashed server's members expire after the heartbeat deadline", async () => {
    const ttl = 600;
    const a = await open(ttl);
    // A server that registers, adds a member and then never heartbeats again.
    const raw = new Redis(redis.url);
    const p = keyPrefix || 't0:';
    const deadline = Date.now() + ttl;
    await raw
      .multi()
      .zadd(`${p}swarm-nodes`, deadline, 'crashed')
      .sadd(`${p}swarm-members:crashed`, 'demo/360p ghost')
      .publish(
        `${p}swarm-changes`,
        JSON.stringify({ n: 'crashed', o: 'a', s: 'demo/360p', p: 'ghost' }),
      )
      .exec();
    await until(() => a.has('demo/360p', 'ghost'));
    const seenAt = Date.now();
    await until(() => !a.has('demo/360p', 'ghost'), 5000);
    const gone = Date.now();
    expect(gone).toBeGreaterThanOrEqual(deadline - 50);
    // Swept within a heartbeat period after the deadline.
    expect(gone - seenAt).toBeLessThan(ttl + ttl / 3 + 500);
    expect(await raw.exists(`${p}swarm-members:crashed`)).toBe(0);
    raw.disconnect();
  });

  it('a server whose process died is dropped long before its deadline', async () => {
    const a = await open(10_000, 200);
    const b = await open(10_000, 200);
    b.add('demo/360p', 'victim');
    await until(() => a.has('demo/360p', 'victim'));
    // What the kernel does to a killed process's sockets: Redis sees them close.
    const diedAt = Date.now();
    for (const c of opened[1]?.connections ?? []) c.disconnect();
    await until(() => !a.has('demo/360p', 'victim'), 3000);
    // Two presence checks (200 ms apart) instead of the 10 s deadline.
    expect(Date.now() - diedAt).toBeLessThan(1500);
    expect(await a.servers()).toEqual([a.nodeId]);
    expect(b.has('demo/360p', 'victim')).toBe(true);
  });

  it('a server swept by mistake (a long pause) puts its members back', async () => {
    const a = await open();
    const b = await open();
    a.add('demo/360p', 'peer-a', 'r:eu');
    await until(() => b.has('demo/360p', 'peer-a'));
    // Another server concluded that `a` was dead.
    const raw = new Redis(redis.url);
    const p = keyPrefix || 't0:';
    await raw
      .multi()
      .zrem(`${p}swarm-nodes`, a.nodeId)
      .del(`${p}swarm-members:${a.nodeId}`)
      .publish(`${p}swarm-changes`, JSON.stringify({ n: a.nodeId, o: 'g', by: 'someone' }))
      .exec();
    await until(() => b.has('demo/360p', 'peer-a'));
    await a.flush();
    for (let i = 0; i < 100 && (await raw.scard(`${p}swarm-members:${a.nodeId}`)) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await raw.smembers(`${p}swarm-members:${a.nodeId}`)).toEqual(['demo/360p peer-a r:eu']);
    raw.disconnect();
  });

  it('reloads after its subscription was cut (changes missed meanwhile)', async () => {
    const a = await open();
    const b = await open();
    const sub = opened[0]?.connections[1];
    if (!sub) throw new Error('no subscriber');
    let ready = 0;
    sub.on('ready', () => ready++);
    // Cut every feed; what `b` says before `a` is back (200 ms later) is missed, then the
    // reload brings it.
    const raw = new Redis(redis.url);
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    b.add('demo/360p', 'while-away');
    await b.flush();
    raw.disconnect();
    await until(() => ready > 0, 5000);
    await until(() => a.has('demo/360p', 'while-away'), 5000);
  });
});
