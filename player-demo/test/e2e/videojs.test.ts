import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { waitUntil } from '../../../test/support/wait.js';
import { openEmbedViewer, type EmbedViewer } from './support/embed-viewers.js';

// /demo/videojs: video.js with its own controls, playing through hls.js + meshcast.

const e2e = useE2eFixture();

interface VjsState {
  p2pBytes: number;
  uploadBytes: number;
  peers: number;
  startupMs: number | undefined;
  currentTime: number;
  levels: string[];
  selectedLevel: number;
  controlBar: boolean;
  tech: string;
}

/** The page's video.js player and meshcast figures. */
const state = (page: Page): Promise<VjsState | null> =>
  page.evaluate(() => {
    const v = window.meshcastVideojs;
    const s = v?.meshcast.stats();
    if (!v || !s) return null;
    const player = v.player as unknown as {
      currentTime(): number;
      qualityLevels(): { length: number; selectedIndex: number; [i: number]: { id: string } };
      techName_: string;
    };
    const list = player.qualityLevels();
    const levels = Array.from({ length: list.length }, (_, i) => list[i]!.id);
    return {
      p2pBytes: s.p2pBytes,
      uploadBytes: s.uploadBytes,
      peers: s.peers,
      startupMs: s.startupMs,
      currentTime: player.currentTime(),
      levels,
      selectedLevel: list.selectedIndex,
      controlBar: document.querySelector('.vjs-control-bar') !== null,
      tech: player.techName_,
    };
  });

describe('video.js demo', () => {
  it('two viewers play through hls.js + meshcast with P2P, video.js controls and quality levels', async () => {
    const viewers: EmbedViewer[] = [];
    for (let i = 0; i < 2; i++) {
      viewers.push(
        await openEmbedViewer(e2e.browser, `${e2e.server.url}/demo/videojs?channel=demo`),
      );
    }
    await waitUntil(
      'both video.js players show a first frame',
      async () =>
        (await Promise.all(viewers.map((v) => state(v.page)))).every(
          (s) => s?.startupMs !== undefined,
        ),
      40_000,
    );
    await waitUntil(
      'segments travel between the two viewers',
      async () => {
        const s = await Promise.all(viewers.map((v) => state(v.page)));
        return (
          s.every((x) => x && x.peers >= 1) && s.reduce((n, x) => n + (x?.p2pBytes ?? 0), 0) > 0
        );
      },
      40_000,
    );
    const snaps = await Promise.all(viewers.map((v) => state(v.page)));
    console.log('videojs', JSON.stringify(snaps));
    for (const s of snaps) {
      expect(s?.tech).toBe('Html5');
      expect(s?.controlBar).toBe(true);
      // The demo's two renditions as video.js quality levels, one of them selected (hls.js's
      // level switch reached video.js).
      expect(s?.levels.sort()).toEqual(['240p', '360p']);
      expect(s?.selectedLevel).toBeGreaterThanOrEqual(0);
    }
    expect(snaps.reduce((n, s) => n + (s?.p2pBytes ?? 0), 0)).toBeGreaterThan(0);
    expect(snaps.reduce((n, s) => n + (s?.uploadBytes ?? 0), 0)).toBeGreaterThan(0);
    // video.js sees the playhead move.
    const t0 = snaps[0]!.currentTime;
    await new Promise((r) => setTimeout(r, 2000));
    expect((await state(viewers[0]!.page))!.currentTime).toBeGreaterThan(t0 + 1);
    // Disabling a quality level steers hls.js: with 360p off, playback moves to 240p.
    const page = viewers[0]!.page;
    await page.evaluate(() => {
      const list = (
        window.meshcastVideojs!.player as unknown as {
          qualityLevels(): Iterable<{ id: string; enabled: boolean }>;
        }
      ).qualityLevels();
      for (const level of list) level.enabled = level.id !== '360p';
    });
    await waitUntil(
      'video.js selects the 240p level',
      async () => {
        const s = await state(page);
        return s !== null && s.levels[s.selectedLevel] === '240p';
      },
      30_000,
    );
    for (const v of viewers) {
      expect(v.pageErrors).toEqual([]);
      await v.close();
    }
  });
});
