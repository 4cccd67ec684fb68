import { describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { sleep } from '../../../test/support/wait.js';
import { closeViewers, openViewer, type Viewer } from '../../../test/support/viewers.js';

// Loopback-only ICE: every WebRTC byte stays on this machine.
const e2e = useE2eFixture({ iceCandidateFilter: 'loopback' });

const WINDOW_MS = 20_000;

describe('early playlist refresh (real Chromium)', () => {
  it('a viewer that uploads polls the live playlist every 500 ms; the others keep hls.js’s pace', async () => {
    const url = `${e2e.server.url}/watch/demo`;
    const viewers: Viewer[] = [];
    const counts: number[] = [];
    // Three P2P viewers and one CDN-only viewer; each page's requests for the media playlist.
    for (const page of [url, url, url, `${url}?p2p=0`]) {
      const v = await openViewer(e2e.browser, page);
      const i = counts.push(0) - 1;
      v.page.on('request', (r) => {
        if (r.url().endsWith('/360p/index.m3u8')) counts[i]!++;
      });
      viewers.push(v);
      await sleep(1000);
    }
    // Warm-up: P2P viewers connect and upload, so that their upload rate is measured.
    await sleep(20_000);
    const before = [...counts];
    await sleep(WINDOW_MS);
    const inWindow = counts.map((c, i) => c - before[i]!);
    const uploaded = await Promise.all(
      viewers.map((v) => v.page.evaluate(() => window.meshcastPlayer?.stats().uploadBytes ?? 0)),
    );
    console.log(
      `playlist-refresh e2e: playlist requests in ${WINDOW_MS / 1000} s ${inWindow.join(' / ')} ` +
        `(last: CDN-only); uploaded ${uploaded.join(' / ')} B`,
    );
    // hls.js reloads a 2 s live playlist about every 2 s: ~10 in 20 s.
    const [cdnOnly] = inWindow.slice(-1);
    expect(cdnOnly).toBeGreaterThanOrEqual(7);
    expect(cdnOnly).toBeLessThanOrEqual(13);
    // A P2P viewer that uploaded refreshes 2 more times a second (the engine's, 500 ms);
    // one that never uploaded has no measured rate and keeps hls.js's pace.
    const p2p = inWindow.slice(0, -1);
    expect(
      p2p.some((n) => n >= 3 * cdnOnly!),
      'an uploader refreshes early',
    ).toBe(true);
    p2p.forEach((n, i) => {
      if (uploaded[i] === 0) expect(n, `viewer ${i} never uploaded`).toBeLessThanOrEqual(13);
    });
    for (const v of viewers) expect(v.errors).toEqual([]);
    await closeViewers(viewers);
  }, 120_000);
});
