import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { addTestChannel, startTestServer } from '../../../test/support/server.js';
import { sleep, waitUntil } from '../../../test/support/wait.js';
import {
  closeViewers,
  delta,
  openViewer,
  openViewers,
  statsOf,
  totalOf,
  waitForPlayback,
  type Viewer,
} from '../../../test/support/viewers.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

/**
 * The signaling server is killed and started again on the same port while viewers play. The
 * HLS origin is another server instance (in production the CDN is separate), so the viewers
 * keep their media source; they must not stall, and must be back in the mesh (a new peer id
 * from the new server, open peer connections) within 10 s of the restart.
 */
const VIEWERS = 4;
const DOWNTIME_MS = 2000;
const AFTER_MS = 30_000;

interface MeshState {
  connected: boolean;
  peerId: string | undefined;
  peers: number;
}

/** The page's signaling and swarm state, read from the player's (private) parts. */
function meshState(viewer: Viewer): Promise<MeshState> {
  return viewer.page.evaluate(() => {
    const player = window.meshcastPlayer as unknown as {
      signaling?: { connected: boolean };
      engine?: { stats(): { peerId?: string; peers: number } };
    };
    const s = player.engine?.stats();
    return {
      connected: player.signaling?.connected ?? false,
      peerId: s?.peerId,
      peers: s?.peers ?? 0,
    };
  });
}

// The fixture's server is the signaling server (restarted with its channels kept); the
// origin is a second server.
const signaling = useE2eFixture();
let origin: MeshcastServer;

beforeAll(async () => {
  origin = await startTestServer();
  await addTestChannel(signaling.server, {
    id: 'ext',
    name: 'demo through a separate origin',
    sourceUrl: `${origin.url}/live/demo/master.m3u8`,
  });
});

afterAll(async () => {
  await origin.close();
});

describe('signaling server restart', () => {
  it('viewers keep playing and rebuild the mesh within 10 s', async () => {
    const url = `${signaling.server.url}/watch/ext`;
    const viewers = await openViewers(signaling.browser, url, VIEWERS);
    await waitForPlayback(viewers);
    for (const v of viewers) {
      await waitUntil(
        'peers before the restart',
        async () => (await meshState(v)).peers > 0,
        20_000,
      );
    }
    await sleep(5000);
    const idsBefore = await Promise.all(viewers.map(async (v) => (await meshState(v)).peerId));
    const before = await statsOf(viewers);

    // Kill: every socket drops; the same port serves again after the downtime.
    await signaling.restartServer(DOWNTIME_MS);
    const restartedAt = Date.now();

    // Back in the mesh: a new peer id (joined the new server) and open connections.
    const rejoinMs = await Promise.all(
      viewers.map((v, i) =>
        waitUntil(
          `viewer ${i} to rejoin`,
          async () => {
            const s = await meshState(v);
            return (
              s.connected && s.peerId !== undefined && s.peerId !== idsBefore[i] && s.peers > 0
            );
          },
          10_000,
        ),
      ),
    );
    const sinceRestart = Date.now() - restartedAt;
    // A viewer that arrives after the restart finds the others through the new server.
    const late = await openViewer(signaling.browser, url);
    await waitForPlayback([late]);
    const lateMs = await waitUntil(
      'the late viewer to get peers',
      async () => {
        return (await meshState(late)).peers > 0;
      },
      10_000,
    );

    await sleep(Math.max(0, restartedAt + AFTER_MS - Date.now()));
    const after = await statsOf(viewers);
    const deltas = before.map((b, i) => delta(b, after[i]!));
    const lateStats = await meshState(late);
    console.log(
      `signaling restart e2e: rejoined (new id + peers) ${rejoinMs.join('/')} ms after the ` +
        `restart (all within ${sinceRestart} ms), downtime ${DOWNTIME_MS} ms; late joiner had ` +
        `peers after ${lateMs} ms (${lateStats.peers} now); across the restart: ` +
        JSON.stringify(deltas),
    );
    for (const [i, d] of deltas.entries()) {
      expect(d.stalls, `viewer ${i} stalls`).toBe(0);
      expect(d.mediaSec, `viewer ${i} played`).toBeGreaterThan(
        ((AFTER_MS + DOWNTIME_MS) / 1000) * 0.9,
      );
    }
    // The rebuilt mesh carries segments again.
    expect(totalOf(deltas, 'p2pBytes')).toBeGreaterThan(0);
    for (const v of [...viewers, late]) expect(v.errors).toEqual([]);
    await closeViewers([...viewers, late]);
  });
});
