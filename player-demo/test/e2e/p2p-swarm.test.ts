import { describe, expect, it } from 'vitest';
import { P2P_LIVE_SYNC_SEGMENTS } from '../../../client/src/hls/p2p-hls-config.js';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { sleep } from '../../../test/support/wait.js';
import {
  closeViewers,
  delta,
  measureWindow,
  openViewer,
  totalOf,
  type Viewer,
} from '../../../test/support/viewers.js';

const VIEWERS = 6;
const WARMUP_MS = 15_000;
const MEASURE_MS = 60_000;

// Loopback-only ICE: every WebRTC byte stays on this machine.
const e2e = useE2eFixture({ iceCandidateFilter: 'loopback' });

describe('P2P swarm of 6 viewers on the demo channel', () => {
  it('offloads >= 60% of segment bytes to peers with no more stalls than CDN-only viewers beside them, then survives alone', async () => {
    // The baseline plays at the same time on the same machine: one CDN-only viewer (?p2p=0)
    // joins with each P2P viewer, so a stall the machine causes hits both groups alike.
    const url = `${e2e.server.url}/watch/demo`;
    const p2pViewers: Viewer[] = [];
    const cdnViewers: Viewer[] = [];
    for (let i = 0; i < VIEWERS; i++) {
      p2pViewers.push(await openViewer(e2e.browser, url));
      cdnViewers.push(await openViewer(e2e.browser, `${url}?p2p=0`));
      await sleep(1000);
    }
    const { deltas: all, after } = await measureWindow([...p2pViewers, ...cdnViewers], {
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
    });
    // P2P viewers play half a segment further behind live (P2P_LIVE_SYNC_SEGMENTS) than
    // hls.js's default, which CDN-only viewers keep.
    const syncOf = (v: Viewer): Promise<number | undefined> =>
      v.page.evaluate(() => {
        const p = window.meshcastPlayer as unknown as {
          hls?: { config: { liveSyncDurationCount: number } };
        };
        return p.hls?.config.liveSyncDurationCount;
      });
    expect(await Promise.all(p2pViewers.map(syncOf))).toEqual(
      Array(VIEWERS).fill(P2P_LIVE_SYNC_SEGMENTS),
    );
    expect(await Promise.all(cdnViewers.map(syncOf))).toEqual(Array(VIEWERS).fill(3));
    const latencyOf = (stats: typeof after): string =>
      (stats.reduce((n, s) => n + (s.latencySec ?? 0), 0) / stats.length).toFixed(2);
    console.log(
      `p2p e2e: mean latency at the end ${latencyOf(after.slice(0, VIEWERS))} s (p2p) vs ` +
        `${latencyOf(after.slice(VIEWERS))} s (cdn-only)`,
    );
    const deltas = all.slice(0, VIEWERS);
    const baseline = all.slice(VIEWERS);
    console.log('cdn-only', JSON.stringify(baseline));
    console.log('p2p', JSON.stringify(deltas));
    for (const d of baseline) expect(d.p2pBytes).toBe(0);

    const p2p = totalOf(deltas, 'p2pBytes');
    const cdn = totalOf(deltas, 'cdnBytes');
    const offload = p2p / (p2p + cdn);
    console.log(
      `p2p e2e: offload ${(offload * 100).toFixed(1)}% (bound ${((1 - 1 / VIEWERS) * 100).toFixed(1)}%), ` +
        `p2p ${(p2p / 1e6).toFixed(2)} MB, cdn ${(cdn / 1e6).toFixed(2)} MB, ` +
        `stalls ${deltas.map((d) => d.stalls).join('/')} vs cdn-only ${baseline.map((d) => d.stalls).join('/')}`,
    );
    expect(offload).toBeGreaterThanOrEqual(0.6);
    // No more stalls, and no more stall time (250 ms of slack per viewer), than the group
    // beside it; and every P2P viewer played through the window.
    expect(totalOf(deltas, 'stalls'), 'p2p stalls').toBeLessThanOrEqual(
      totalOf(baseline, 'stalls'),
    );
    expect(totalOf(deltas, 'stallMs'), 'p2p stall time').toBeLessThanOrEqual(
      totalOf(baseline, 'stallMs') + 250 * VIEWERS,
    );
    deltas.forEach((d, i) => {
      expect(d.mediaSec, `viewer ${i} played`).toBeGreaterThan((MEASURE_MS / 1000) * 0.95);
    });
    for (const v of [...p2pViewers, ...cdnViewers]) expect(v.errors).toEqual([]);
    await closeViewers(cdnViewers);

    // All but one leave: the last keeps playing from the CDN without a stall.
    const last = p2pViewers[VIEWERS - 1]!;
    await closeViewers(p2pViewers.slice(0, -1));
    const alone0 = await last.stats();
    await sleep(20_000);
    const alone1 = await last.stats();
    const d = delta(alone0, alone1);
    console.log('alone', JSON.stringify(d), 'peers', alone1.peers);
    expect(alone1.peers).toBe(0);
    expect(d.stalls).toBe(0);
    expect(d.cdnBytes).toBeGreaterThan(0);
    expect(d.mediaSec).toBeGreaterThan(19);
    await last.close();
  });
});
