import { describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { sleep } from '../../../test/support/wait.js';
import {
  closeViewers,
  delta,
  measureWindow,
  openViewers,
  totalOf,
  type Viewer,
  type ViewerDelta,
} from '../../../test/support/viewers.js';

const VIEWERS = 6;
const WARMUP_MS = 15_000;
const MEASURE_MS = 60_000;

// Loopback-only ICE: every WebRTC byte stays on this machine.
const e2e = useE2eFixture({ iceCandidateFilter: 'loopback' });

/** Joins the viewers one second apart, warms up, and measures a window. */
async function run(query: string): Promise<{ viewers: Viewer[]; deltas: ViewerDelta[] }> {
  const viewers = await openViewers(e2e.browser, `${e2e.server.url}/watch/demo${query}`, VIEWERS);
  const { deltas } = await measureWindow(viewers, { warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
  return { viewers, deltas };
}

describe('P2P swarm of 6 viewers on the demo channel', () => {
  let cdnOnlyStalls: number[] = [];
  let cdnOnlyStallMs: number[] = [];

  it('baseline: the same viewers with ?p2p=0', async () => {
    const { viewers, deltas } = await run('?p2p=0');
    cdnOnlyStalls = deltas.map((d) => d.stalls);
    cdnOnlyStallMs = deltas.map((d) => d.stallMs);
    console.log('cdn-only', JSON.stringify(deltas));
    for (const d of deltas) expect(d.p2pBytes).toBe(0);
    await closeViewers(viewers);
  });

  it('offloads >= 60% of segment bytes to peers with no more stalls, then survives alone', async () => {
    const { viewers, deltas } = await run('');
    const p2p = totalOf(deltas, 'p2pBytes');
    const cdn = totalOf(deltas, 'cdnBytes');
    const offload = p2p / (p2p + cdn);
    console.log('p2p', JSON.stringify(deltas));
    console.log(
      `p2p e2e: offload ${(offload * 100).toFixed(1)}% (bound ${((1 - 1 / VIEWERS) * 100).toFixed(1)}%), ` +
        `p2p ${(p2p / 1e6).toFixed(2)} MB, cdn ${(cdn / 1e6).toFixed(2)} MB, ` +
        `stalls ${deltas.map((d) => d.stalls).join('/')} vs cdn-only ${cdnOnlyStalls.join('/')}`,
    );
    expect(offload).toBeGreaterThanOrEqual(0.6);
    deltas.forEach((d, i) => {
      expect(d.stalls, `viewer ${i} stalls`).toBeLessThanOrEqual(cdnOnlyStalls[i] ?? 0);
      expect(d.stallMs, `viewer ${i} stall time`).toBeLessThanOrEqual(
        (cdnOnlyStallMs[i] ?? 0) + 250,
      );
      expect(d.mediaSec, `viewer ${i} played`).toBeGreaterThan((MEASURE_MS / 1000) * 0.95);
    });
    for (const v of viewers) expect(v.errors).toEqual([]);

    // All but one leave: the last keeps playing from the CDN without a stall.
    const last = viewers[VIEWERS - 1]!;
    await closeViewers(viewers.slice(0, -1));
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
