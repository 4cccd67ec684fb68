/**
 * What sharing swarms through Redis costs: N members joined on server A, timed until server
 * B's replica has them all; a late server's start (snapshot load); B's `neighbours()` on the
 * replica; and a crashed server's members gone from B. Starts its own redis-server.
 *
 *   node --import tsx bench/scale/swarm-directory.ts [members=20000]
 */
import { Redis } from 'ioredis';
import { RedisSwarmDirectory } from '../../signaling-server/src/scale/redis-swarm-directory.js';
import { SwarmRegistry } from '../../signaling-server/src/signaling/swarm-registry.js';
import { startRedis } from '../../signaling-server/test/integration/support/redis-server.js';

const members = Number(process.argv[2] ?? 20_000);
const swarms = 10;

const redis = await startRedis();
const connections: Redis[] = [];
const open = async (): Promise<RedisSwarmDirectory> => {
  const client = new Redis(redis.url);
  const subscriber = new Redis(redis.url);
  connections.push(client, subscriber);
  return RedisSwarmDirectory.open({ client, subscriber });
};
const waitUntil = async (ok: () => boolean): Promise<void> => {
  while (!ok()) await new Promise((r) => setTimeout(r, 2));
};
const total = (d: RedisSwarmDirectory): number => d.clusterStats().members;

// Baseline: the in-memory registry of a single server, same members.
const memory = new SwarmRegistry();
let t = performance.now();
for (let i = 0; i < members; i++)
  memory.add(`demo/r${i % swarms}`, `peer-${i}`, `4:10.0.${i % 200}`);
const memoryAddUs = ((performance.now() - t) / members) * 1000;

const a = await open();
const b = await open();
const rss0 = process.memoryUsage().rss;
t = performance.now();
for (let i = 0; i < members; i++) a.add(`demo/r${i % swarms}`, `peer-${i}`, `4:10.0.${i % 200}`);
const addMs = performance.now() - t;
await waitUntil(() => total(b) === members);
const replicatedMs = performance.now() - t;

t = performance.now();
const c = await open();
const lateStartMs = performance.now() - t;
const lateOk = total(c) === members;

t = performance.now();
const rounds = 20_000;
for (let i = 0; i < rounds; i++) b.neighbours(`demo/r${i % swarms}`, 'joiner', 8, [], '4:10.0.7');
const neighboursUs = ((performance.now() - t) / rounds) * 1000;
const rssMb = (process.memoryUsage().rss - rss0) / 2 ** 20;

// A crash: A's connections close without a goodbye.
t = performance.now();
for (const conn of connections.slice(0, 2)) conn.disconnect();
await waitUntil(() => total(b) === 0);
const crashGoneMs = performance.now() - t;

console.log(
  JSON.stringify(
    {
      members,
      swarms,
      addOnA: `${addMs.toFixed(0)} ms (${((addMs / members) * 1000).toFixed(1)} µs per join; in-memory registry alone ${memoryAddUs.toFixed(1)} µs)`,
      replicatedToB: `${replicatedMs.toFixed(0)} ms after the first join`,
      lateServerStart: `${lateStartMs.toFixed(0)} ms, complete: ${lateOk}`,
      neighboursOnReplica: `${neighboursUs.toFixed(1)} µs per call (8 of ${members / swarms}, locality)`,
      rssGrowthForThreeReplicas: `${rssMb.toFixed(0)} MB`,
      crashedServerGoneFromB: `${crashGoneMs.toFixed(0)} ms`,
    },
    null,
    2,
  ),
);
await Promise.allSettled([a.destroy(), b.destroy(), c.destroy()]);
for (const conn of connections) conn.disconnect();
await redis.stop();
