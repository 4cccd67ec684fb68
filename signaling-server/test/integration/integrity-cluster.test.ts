import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/support/server.js';
import { waitUntil } from '../../../test/support/wait.js';
import type { MeshcastServer } from '../../src/server.js';
import { connect, until, type ClientSocket } from './signaling-helpers.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

const SWARM = 'demo/360p';

describe('peer reports over two servers on one Redis', () => {
  let redis: TestRedis;
  let a: MeshcastServer;
  let b: MeshcastServer;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    a = await startTestServer({ redisUrl: redis.url });
    b = await startTestServer({ redisUrl: redis.url });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await a.close();
    await b.close();
    await redis.stop();
  });

  const joined = async (server: MeshcastServer): Promise<ClientSocket> => {
    const socket = await connect(server.url);
    sockets.push(socket);
    const ack: unknown = await socket.emitWithAck('join', { channel: 'demo', rendition: '360p' });
    expect(ack).toMatchObject({ ok: true });
    return socket;
  };

  it('excludes a peer on every server once members of another server reported it', async () => {
    const liar = await joined(b);
    const neighbourOnB = await joined(b);
    const reporters = [await joined(a), await joined(a)];
    const liarId = liar.id ?? '';
    // Accepted once a's replica of the swarm directory lists the liar (a member on b).
    for (const [i, r] of reporters.entries()) {
      await waitUntil('a report accepted', async () => {
        const ack: unknown = await r.emitWithAck('report-peer', {
          swarm: SWARM,
          peer: liarId,
          seq: 10 + i,
        });
        return (ack as { ok?: boolean }).ok === true;
      });
    }
    expect(a.integrity!.reports.reportersOf(SWARM, liarId)).toHaveLength(2);
    // The liar's own server learns of both reports and excludes it.
    await until(() => b.integrity!.reports.isExcluded(SWARM, liarId), 5000);
    expect(a.integrity!.reports.isExcluded(SWARM, liarId)).toBe(true);
    expect(b.integrity!.reports.reportersOf(SWARM, liarId).sort()).toEqual(
      reporters.map((r) => r.id).sort(),
    );

    // On the liar's server: never offered as a neighbour, and its signals are not relayed.
    const more: unknown = await neighbourOnB.emitWithAck('more', { swarm: SWARM, exclude: [] });
    expect(more).toMatchObject({ ok: true });
    expect((more as { neighbours: string[] }).neighbours).not.toContain(liarId);
    let relayed = false;
    neighbourOnB.on('signal', () => (relayed = true));
    liar.emit('signal', {
      swarm: SWARM,
      to: neighbourOnB.id ?? '',
      data: { type: 'offer', sdp: 'x' },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(relayed).toBe(false);

    // Its disconnect on b is forgotten on a too.
    liar.disconnect();
    await until(() => !a.integrity!.reports.isExcluded(SWARM, liarId), 5000);
    expect(b.integrity!.reports.knows(liarId)).toBe(false);
  });
});
