import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SwarmConfig } from '../../src/core/swarm.js';
import { Engine } from '../../src/core/engine.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import { sleep } from '../../../test/support/wait.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

/**
 * The signaling server goes away for longer than the client's first retry and comes back on
 * the same port. Engines keep their open peer connections meanwhile (the data channels do not
 * need the server), reconnect with socket.io's backoff, re-join with new peer ids, and a
 * newcomer finds them through the new server.
 *
 * A reconnect gives a viewer a new peer id while its data channels stay open, so its
 * neighbours meet it again under that id (in `more` answers, or as the joiner after a restart)
 * and try a second connection. Two viewers must keep the one link they have: neither a
 * duplicate beside it, nor the new attempt's offer fed into the open connection (which breaks
 * it).
 */

const DOWNTIME_MS = 4000;
const UPKEEP_MS = 500;
const CONNECT_TIMEOUT_MS = 3000;
// Long enough for upkeeps to ask for neighbours and for a second connection to open or fail.
const RELINK_WINDOW_MS = 3 * UPKEEP_MS + CONNECT_TIMEOUT_MS + 1000;
const dataDir = mkdtempSync(join(tmpdir(), 'meshcast-restart-'));
const engines: Engine[] = [];
const clients: SignalingClient[] = [];
let server: MeshcastServer | undefined;

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

function newEngine(
  url: string,
  swarm: Partial<SwarmConfig> = {},
): { engine: Engine; signaling: SignalingClient } {
  // As the player does: WebSocket only, socket.io's default reconnection backoff.
  const signaling = new SignalingClient({ url, socketOptions: { transports: ['websocket'] } });
  clients.push(signaling);
  const engine = new Engine({
    channel: 'demo',
    signaling,
    wrtc,
    config: { joinAfterStartMaxMs: 0, swarm },
  });
  engines.push(engine);
  engine.setActiveRendition('360p');
  return { engine, signaling };
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}

interface LinkRange {
  /** The fewest and most open connections. */
  min: number;
  max: number;
  /** The longest time through which a connection was still opening, ms. */
  openingMs: number;
}

/** Each engine's open connections, and how long some were opening, sampled every 50 ms. */
async function peerRange(list: Engine[], ms: number): Promise<LinkRange[]> {
  const range = list.map(() => ({ min: Infinity, max: 0, openingMs: 0 }));
  const openingSince = list.map((): number | undefined => undefined);
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const now = Date.now();
    list.forEach((e, i) => {
      const { peers, connecting } = e.stats();
      const r = range[i]!;
      r.min = Math.min(r.min, peers);
      r.max = Math.max(r.max, peers);
      if (connecting === 0) openingSince[i] = undefined;
      else r.openingMs = Math.max(r.openingMs, now - (openingSince[i] ??= now));
    });
    await sleep(50);
  }
  return range;
}

/**
 * Each of two viewers kept exactly one open link, and a second attempt between them gave up
 * soon after its offer was ignored (the ignoring side says so), not at its connect timeout.
 */
function expectOneLink(...ranges: (LinkRange | undefined)[]): void {
  for (const r of ranges) {
    expect(r).toMatchObject({ min: 1, max: 1 });
    expect(r?.openingMs).toBeLessThan(500);
  }
}

const linked = (a: Engine, b: Engine) => () => a.stats().peers > 0 && b.stats().peers > 0;
const relinkSwarm = { upkeepMs: UPKEEP_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS };

describe('signaling server restart (Node engines)', () => {
  it('keeps peer connections, re-joins with backoff and rebuilds the mesh', async () => {
    server = await start();
    const port = server.port;
    const a = newEngine(server.url);
    const b = newEngine(server.url);
    await waitFor(
      'a mesh of two',
      () => a.engine.stats().peers > 0 && b.engine.stats().peers > 0,
      15_000,
    );
    const idsBefore = [a.engine.stats().peerId, b.engine.stats().peerId];

    await server.close();
    server = undefined;
    await waitFor(
      'both disconnected',
      () => !a.signaling.connected && !b.signaling.connected,
      5000,
    );
    await new Promise((r) => setTimeout(r, DOWNTIME_MS));
    // While the server is away, the data channel between them stays open.
    expect(a.engine.stats().peers).toBeGreaterThan(0);
    expect(b.engine.stats().peers).toBeGreaterThan(0);

    server = await start(port);
    const rejoined = (x: { engine: Engine; signaling: SignalingClient }, i: number) => () =>
      x.signaling.connected &&
      x.engine.stats().peerId !== undefined &&
      x.engine.stats().peerId !== idsBefore[i];
    const ms = await Promise.all([
      waitFor('a re-joined', rejoined(a, 0), 10_000),
      waitFor('b re-joined', rejoined(b, 1), 10_000),
    ]);
    const c = newEngine(server.url);
    const newcomerMs = await waitFor(
      'the newcomer has peers',
      () => c.engine.stats().peers > 0,
      10_000,
    );
    console.log(
      `signaling restart (Node): down ${DOWNTIME_MS} ms, re-joined ${ms.join('/')} ms after ` +
        `the restart, newcomer connected after ${newcomerMs} ms; peers a ${a.engine.stats().peers}, ` +
        `b ${b.engine.stats().peers}, newcomer ${c.engine.stats().peers}`,
    );
    expect(a.engine.stats().peers).toBeGreaterThan(0);
    expect(b.engine.stats().peers).toBeGreaterThan(0);
  }, 60_000);
});

describe('links across signaling reconnects (Node engines)', () => {
  it('a viewer whose signaling reconnects keeps its link when the neighbour finds its new id', async () => {
    server = await start();
    const a = newEngine(server.url, relinkSwarm);
    const b = newEngine(server.url, relinkSwarm);
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
    const [ra, rb] = await peerRange([a.engine, b.engine], RELINK_WINDOW_MS);
    console.log(
      `one viewer reconnected: open links a ${ra!.min}-${ra!.max}, b ${rb!.min}-${rb!.max}; ` +
        `longest opening a ${ra!.openingMs} ms, b ${rb!.openingMs} ms`,
    );
    expectOneLink(ra, rb);
  }, 60_000);

  it('after a server restart, two linked viewers do not link a second time', async () => {
    server = await start();
    const port = server.port;
    const a = newEngine(server.url, relinkSwarm);
    const b = newEngine(server.url, relinkSwarm);
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
    const [ra, rb] = await peerRange([a.engine, b.engine], RELINK_WINDOW_MS);
    console.log(
      `server restart: open links a ${ra!.min}-${ra!.max}, b ${rb!.min}-${rb!.max}; ` +
        `longest opening a ${ra!.openingMs} ms, b ${rb!.openingMs} ms`,
    );
    expectOneLink(ra, rb);
  }, 60_000);
});
