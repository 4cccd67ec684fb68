import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { sleep } from '../../../test/support/wait.js';
import { closeViewers, openViewer } from '../../../test/support/viewers.js';
import { EVENT_RECORDER, openEmbedViewer, type EmbedViewer } from './support/embed-viewers.js';
import { startPageServer, type PageServer } from './support/page-server.js';

// Loopback-only ICE: every WebRTC byte stays on this machine.
const e2e = useE2eFixture({ iceCandidateFilter: 'loopback' });
let pages: PageServer;

beforeAll(async () => {
  pages = await startPageServer();
});

afterAll(async () => {
  await pages.close();
});

const WINDOW_MS = 20_000;

/**
 * A page with one player of the demo channel whose upload is capped at 400 kB/s (about 5x the
 * 360p bitrate): on loopback an uncapped upload is too fast to time, so no rate is measured.
 */
const cappedPage = (host: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>capped</title>${EVENT_RECORDER}</head><body>
<script src="${host}/meshcast.js" async></script>
<meshcast-player id="p" channel="demo" upload-cap="400000" autoplay muted stats></meshcast-player>
</body></html>`;

/** Requests for a media playlist (`<rendition>/index.m3u8`), counted from now on. */
function countPlaylists(page: EmbedViewer['page']): { n: number } {
  const count = { n: 0 };
  page.on('request', (r) => {
    if (/\/[^/]+\/index\.m3u8(\?|$)/.test(r.url())) count.n++;
  });
  return count;
}

describe('early playlist refresh (real Chromium)', () => {
  it('a viewer whose measured upload is well above the bitrate polls the live playlist every 500 ms', async () => {
    const { server, browser } = e2e;
    pages.set('/capped.html', cappedPage(server.url));
    const viewers: EmbedViewer[] = [];
    const counts: { n: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const v = await openEmbedViewer(browser, `${pages.origin}/capped.html`);
      counts.push(countPlaylists(v.page));
      viewers.push(v);
      await sleep(1000);
    }
    // The baseline: a CDN-only viewer of the watch page keeps hls.js's pace.
    const cdnOnly = await openViewer(browser, `${server.url}/watch/demo?p2p=0`);
    const baseline = countPlaylists(cdnOnly.page);
    // Warm-up: the P2P viewers connect and upload, so that their upload rate is measured.
    await sleep(20_000);
    const before = [...counts.map((c) => c.n), baseline.n];
    await sleep(WINDOW_MS);
    const inWindow = [...counts.map((c) => c.n), baseline.n].map((n, i) => n - before[i]!);
    const stats = await Promise.all(viewers.map((v) => v.stats('p')));
    const uploaded = stats.map((s) => s?.uploadBytes ?? 0);
    console.log(
      `playlist-refresh e2e: playlist requests in ${WINDOW_MS / 1000} s ${inWindow.join(' / ')} ` +
        `(last: CDN-only); uploaded ${uploaded.join(' / ')} B`,
    );
    // hls.js reloads a 2 s live playlist about every 2 s: ~10 in 20 s.
    const cdn = inWindow.at(-1)!;
    expect(cdn).toBeGreaterThanOrEqual(7);
    expect(cdn).toBeLessThanOrEqual(13);
    // A P2P viewer that uploaded (its rate measured at ~400 kB/s) also refreshes every 500 ms;
    // one that never uploaded has no measured rate and keeps hls.js's pace.
    const p2p = inWindow.slice(0, -1);
    expect(
      p2p.some((n, i) => uploaded[i]! > 0 && n >= 3 * cdn),
      'an uploader refreshes early',
    ).toBe(true);
    p2p.forEach((n, i) => {
      if (uploaded[i] === 0) expect(n, `viewer ${i} never uploaded`).toBeLessThanOrEqual(13);
    });
    for (const v of viewers) expect(v.pageErrors).toEqual([]);
    expect(cdnOnly.errors).toEqual([]);
    await closeViewers([cdnOnly]);
    await Promise.all(viewers.map((v) => v.close()));
  }, 120_000);
});
