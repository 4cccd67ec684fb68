import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelDisabledMessage } from '../../../client/src/signaling/protocol.js';
import { connect, until } from './signaling-helpers.js';
import { startRedis, type TestRedis } from './support/redis-server.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const TOKEN = 'two-process-admin-token';

describe('two server processes on one Redis', () => {
  let redis: TestRedis;
  let a: ServerProcess;
  let b: ServerProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'meshcast-redis-'));

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, ADMIN_TOKEN: TOKEN, DATA_DIR: dataDir };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });
  afterAll(async () => {
    const codes = await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(codes).toEqual([0, 0]);
  });

  const channels = async (server: ServerProcess): Promise<string[]> => {
    const body = (await (await fetch(`${server.url}/api/channels`)).json()) as {
      channels: { id: string }[];
    };
    return body.channels.map((c) => c.id);
  };

  it('share channels, and a change made through one reaches the viewers of the other', async () => {
    // Both started on an empty store: the demo channel was seeded once.
    expect(await channels(a)).toEqual(['demo']);
    expect(await channels(b)).toEqual(['demo']);
    // The token was given: neither printed a generated one.
    expect(a.stderr() + b.stderr()).not.toMatch(/admin token for this run/);

    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${a.url}/api/channels`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ id: 'shared', name: 'Shared', sourceUrl: '/live/demo/master.m3u8' }),
    });
    expect(created.status).toBe(201);
    expect(await channels(b)).toEqual(['demo', 'shared']);

    const socket = await connect(b.url);
    const told: ChannelDisabledMessage[] = [];
    socket.on('channel-disabled', (m) => told.push(m));
    const joined = await socket.emitWithAck('join', { channel: 'shared', rendition: '360p' });
    expect(joined.ok).toBe(true);

    const disabled = await fetch(`${a.url}/api/channels/shared`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ enabled: false }),
    });
    expect(disabled.status).toBe(200);
    await until(() => told.length > 0);
    expect(told).toEqual([{ channel: 'shared', reason: 'disabled' }]);
    const refused = await socket.emitWithAck('join', { channel: 'shared', rendition: '360p' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'channel-disabled' } });
    socket.disconnect();
  });
});
