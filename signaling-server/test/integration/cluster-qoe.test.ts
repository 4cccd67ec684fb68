import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelStats, QoeReport } from '../../../client/src/signaling/protocol.js';
import type { MeshcastServer } from '../../src/server.js';
import { startTestServer } from '../../../test/support/server.js';
import { report } from '../unit/qoe/report-fixture.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

/** What each server publishes every 2 s (ClusterQoe's default period), plus slack. */
const PUBLISHED_MS = 2600;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function post(server: MeshcastServer, body: QoeReport): Promise<void> {
  const res = await fetch(`${server.url}/api/qoe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(204);
}

async function stats(server: MeshcastServer): Promise<ChannelStats> {
  return (await (await fetch(`${server.url}/api/channels/demo/stats`)).json()) as ChannelStats;
}

describe('QoE figures over two servers on one Redis', () => {
  let redis: TestRedis;
  let a: MeshcastServer;
  let b: MeshcastServer;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startTestServer({ redisUrl: redis.url, integrity: false });
    b = await startTestServer({ redisUrl: redis.url, integrity: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('each server answers for the whole channel; a viewer that moved counts once', async () => {
    await post(a, report({ sessionId: 'viewer-one', p2pBytes: 300, cdnBytes: 100 }));
    await post(a, report({ sessionId: 'viewer-two', p2pBytes: 0, cdnBytes: 400 }));
    await post(
      b,
      report({ sessionId: 'viewer-three', rendition: '720p', p2pBytes: 200, cdnBytes: 100 }),
    );
    // A history point on each server, a few ms apart.
    a.qoe.sample();
    b.qoe.sample();
    await sleep(PUBLISHED_MS);
    for (const server of [a, b]) {
      const { current, history } = await stats(server);
      expect(current).toMatchObject({ viewers: 3, renditions: { '360p': 2, '720p': 1 } });
      expect(current.offload).toBeCloseTo(500 / 1100, 4);
      expect(history.points.at(-1)).toMatchObject({ viewers: 3 });
    }
    // Alone, each server knows only its own viewers.
    expect(a.qoe.current('demo').viewers).toBe(2);

    // viewer-one's server died and it now reports to b: still three viewers, its newest report.
    await post(b, report({ sessionId: 'viewer-one', p2pBytes: 1300, cdnBytes: 100 }));
    await sleep(PUBLISHED_MS);
    const moved = await stats(a);
    expect(moved.current.viewers).toBe(3);
    expect(moved.current.offload).toBeCloseTo(1500 / 2100, 4);
  });

  it('a stopped server leaves the figures at once', async () => {
    await b.close();
    const { current } = await stats(a);
    expect(current.viewers).toBe(2);
  });
});
