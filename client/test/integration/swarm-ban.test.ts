import SimplePeer from 'simple-peer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import { Swarm } from '../../src/core/swarm.js';
import type { SignalData } from '../../src/signaling/protocol.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

/**
 * A member of the swarm that sends garbage once connected: the honest swarm drops it, and then
 * avoids it: it does not ask for it again and refuses its new offers.
 */

let server: MeshcastServer;
const cleanups: (() => void)[] = [];
beforeAll(async () => {
  server = await startTestServer({ iceCandidateFilter: 'loopback' });
});
afterAll(async () => {
  for (const c of cleanups.splice(0)) c();
  await server.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a swarm and a peer that sends garbage', () => {
  it('drops it and refuses to connect to it again', async () => {
    // The attacker: a signaling client and raw simple-peers that speak no protocol.
    const attacker = new SignalingClient({ url: server.url });
    cleanups.push(() => attacker.destroy());
    const joined = await attacker.join('demo', '360p');
    let current: SimplePeer.Instance | undefined;
    let victimId = '';
    let answersToAttacker = 0;
    let connections = 0;
    const raw = (initiator: boolean): SimplePeer.Instance => {
      const p = new SimplePeer({ wrtc, initiator, objectMode: true, config: { iceServers: [] } });
      p.on('error', () => undefined);
      p.on('signal', (data) => {
        attacker.signal(joined.swarm, victimId, data as unknown as SignalData);
      });
      p.on('connect', () => {
        connections++;
        p.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
      });
      cleanups.push(() => {
        p.destroy();
      });
      return p;
    };
    attacker.on('signal', (m) => {
      victimId = m.from;
      if (m.data.type === 'answer') answersToAttacker++;
      if (m.data.type === 'offer') {
        current?.destroy();
        current = raw(false);
      }
      current?.signal(m.data as unknown as SimplePeer.SignalData);
    });

    // The victim joins second, so it is the one that offers.
    const signaling = new SignalingClient({ url: server.url });
    const swarm = new Swarm({
      channel: 'demo',
      rendition: '360p',
      signaling,
      wrtc,
      config: { upkeepMs: 300 },
      provide: () => undefined,
      haveMap: () => [],
    });
    cleanups.push(() => {
      swarm.destroy();
      signaling.destroy();
    });
    let closed = 0;
    swarm.on('peerClosed', () => closed++);
    await swarm.start();
    const until = Date.now() + 10_000;
    while (closed === 0 && Date.now() < until) await sleep(20);
    expect(connections).toBe(1);
    expect(closed).toBe(1);
    expect(swarm.size).toBe(0);

    // Its upkeep runs many times (it has too few peers) and would ask for neighbours; the
    // attacker now offers itself. Neither brings the attacker back.
    current?.destroy();
    current = raw(true);
    await sleep(3000);
    expect(answersToAttacker).toBe(0);
    expect(connections).toBe(1);
    expect(swarm.size).toBe(0);
  }, 30_000);
});
