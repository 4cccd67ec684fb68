import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

/**
 * A signaling reconnect gives a viewer a new peer id, while its data channels stay open. Its
 * neighbours then meet it again under that id (in `more` answers, or as the joiner after a
 * server restart) and try a second connection. Two viewers must keep the one link they have:
 * neither a duplicate beside it, nor the new attempt's offer fed into the open connection
 * (which breaks it).
 */

const UPKEEP_MS = 500;
const CONNECT_TIMEOUT_MS = 3000;
// Long enough for upkeeps to ask for neighbours and for a second connection to open or fail.
const WINDOW_MS = 3 * UPKEEP_MS + CONNECT_TIMEOUT_MS + 1000;

let server: MeshcastServer | undefined;
const engines: Engine[] = [];
const clients: SignalingClient[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'meshcast-relink-'));

afterEach(async () => {
  for (const e of engines.splice(0)) e.destroy();
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = undefined;
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const start = (port = 0): Promise<MeshcastServer> =>
  startTestServer({ port, dataDir, iceCandidateFilter: 'loopback' });

function newEngine(url: string): { engine: Engine; signaling: SignalingClient } {
  const signaling = new SignalingClient({ url, socketOptions: { transports: ['websocket'] } });
  clients.push(signaling);
  const engine = new Engine({
    channel: 'demo',
    signaling,
    wrtc,
    config: {
      joinAfterStartMaxMs: 0,
      swarm: { upkeepMs: UPKEEP_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS },
    },
  });
  engines.push(engine);
  engine.setActiveRendition('360p');
  return { engine, signaling };
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The fewest and most open connections each engine had, sampled every 50 ms for `ms`. */
async function peerRange(list: Engine[], ms: number): Promise<{ min: number; max: number }[]> {
  const range = list.map(() => ({ min: Infinity, max: 0 }));
  const until = Date.now() + ms;
  while (Date.now() < until) {
    list.forEach((e, i) => {
      const n = e.stats().peers;
      const r = range[i]!;
      r.min = Math.min(r.min, n);
      r.max = Math.max(r.max, n);
    });
    await new Promise((r) => setTimeout(r, 50));
  }
  return range;
}

const linked = (a: Engine, b: Engine) => () => a.stats().peers > 0 && b.stats().peers > 0;

describe('links across signaling reconnects (Node engines)', () => {
  it('a viewer whose signaling reconnects keeps its link when the neighbour finds its new id', async () => {
    server = await start();
    const a = newEngine(server.url);
    const b = newEngine(server.url);
    await waitFor('a mesh of two', linked(a.engine, b.engine), 15_000);
    const oldId = a.engine.stats().peerId;
    // The transport drops (not a server-side disconnect): socket.io reconnects on its own.
    server.signaling.io.sockets.sockets.get(oldId ?? '')?.conn.close();
    await waitFor(
      'a re-joined under a new id',
      () => a.signaling.connected && ![undefined, oldId].includes(a.engine.stats().peerId),
      10_000,
    );
    // b has one neighbour, under minPeers: its upkeeps ask for more and get a's new id.
    const [ra, rb] = await peerRange([a.engine, b.engine], WINDOW_MS);
    console.log(
      `one viewer reconnected: open links a ${ra!.min}-${ra!.max}, b ${rb!.min}-${rb!.max}`,
    );
    expect(ra).toEqual({ min: 1, max: 1 });
    expect(rb).toEqual({ min: 1, max: 1 });
  }, 60_000);

  it('after a server restart, two linked viewers do not link a second time', async () => {
    server = await start();
    const port = server.port;
    const a = newEngine(server.url);
    const b = newEngine(server.url);
    await waitFor('a mesh of two', linked(a.engine, b.engine), 15_000);
    const ids = [a.engine.stats().peerId, b.engine.stats().peerId];
    await server.close();
    server = await start(port);
    await waitFor(
      'both re-joined under new ids',
      () =>
        [a, b].every(
          (x, i) => x.signaling.connected && ![undefined, ids[i]].includes(x.engine.stats().peerId),
        ),
      15_000,
    );
    // The later joiner gets the other's new id as a neighbour and offers to it.
    const [ra, rb] = await peerRange([a.engine, b.engine], WINDOW_MS);
    console.log(`server restart: open links a ${ra!.min}-${ra!.max}, b ${rb!.min}-${rb!.max}`);
    expect(ra).toEqual({ min: 1, max: 1 });
    expect(rb).toEqual({ min: 1, max: 1 });
  }, 60_000);
});
