import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

/**
 * The signaling server goes away for longer than the client's first retry and comes back on
 * the same port. Engines keep their open peer connections meanwhile (the data channels do not
 * need the server), reconnect with socket.io's backoff, re-join with new peer ids, and a
 * newcomer finds them through the new server.
 */

const DOWNTIME_MS = 4000;
const dataDir = mkdtempSync(join(tmpdir(), 'meshcast-restart-'));
const engines: Engine[] = [];
const clients: SignalingClient[] = [];
let server: MeshcastServer | undefined;

afterAll(async () => {
  for (const e of engines) e.destroy();
  for (const c of clients) c.destroy();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = (port = 0): Promise<MeshcastServer> =>
  startTestServer({ port, dataDir, iceCandidateFilter: 'loopback' });

function newEngine(url: string): { engine: Engine; signaling: SignalingClient } {
  // As the player does: WebSocket only, socket.io's default reconnection backoff.
  const signaling = new SignalingClient({ url, socketOptions: { transports: ['websocket'] } });
  clients.push(signaling);
  const engine = new Engine({
    channel: 'demo',
    signaling,
    wrtc,
    config: { joinAfterStartMaxMs: 0 },
  });
  engines.push(engine);
  engine.setActiveRendition('360p');
  return { engine, signaling };
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

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
