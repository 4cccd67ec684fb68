import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MeshcastPlayer } from '../../client/src/index.js';
import { newViewerContext } from './chromium.js';

declare global {
  interface Window {
    /** Set by the watch page. */
    meshcastPlayer?: MeshcastPlayer;
  }
}

/** The figures a viewer's page reports through `window.meshcastPlayer.stats()`. */
export interface ViewerStats {
  p2pBytes: number;
  cdnBytes: number;
  uploadBytes: number;
  wastedBytes: number;
  peers: number;
  stalls: number;
  stallMs: number;
  playMs: number;
  startupMs: number | undefined;
  latencySec: number | undefined;
  rendition: string | undefined;
  segmentsPlayed: number;
  continuityIndex: number | undefined;
  currentTime: number;
}

/** One watch page in its own browser context (its own WebRTC stack and storage). */
export interface Viewer {
  readonly page: Page;
  readonly errors: string[];
  stats(): Promise<ViewerStats>;
  close(): Promise<void>;
}

/**
 * Opens a viewer on `url` and waits until its player exists. `prepare` runs on the fresh
 * context before the page loads (e.g. to add an init script).
 */
export async function openViewer(
  browser: Browser,
  url: string,
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<Viewer> {
  const context: BrowserContext = await newViewerContext(browser);
  await prepare?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.meshcastPlayer !== undefined, null, { timeout: 20_000 });
  return {
    page,
    errors,
    stats: () =>
      page.evaluate(() => {
        const s = window.meshcastPlayer!.stats();
        const currentTime = document.querySelector('video')?.currentTime ?? 0;
        return { ...s, currentTime };
      }),
    close: () => context.close(),
  };
}

/** Waits until every viewer shows a first frame. */
export async function waitForPlayback(
  viewers: readonly Viewer[],
  timeoutMs = 30_000,
): Promise<void> {
  await Promise.all(
    viewers.map((v) =>
      v.page.waitForFunction(() => window.meshcastPlayer?.stats().startupMs !== undefined, null, {
        timeout: timeoutMs,
      }),
    ),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Per-viewer differences of the counters between two snapshots. */
export function delta(before: ViewerStats, after: ViewerStats) {
  return {
    p2pBytes: after.p2pBytes - before.p2pBytes,
    cdnBytes: after.cdnBytes - before.cdnBytes,
    uploadBytes: after.uploadBytes - before.uploadBytes,
    stalls: after.stalls - before.stalls,
    stallMs: after.stallMs - before.stallMs,
    playMs: after.playMs - before.playMs,
    segmentsPlayed: after.segmentsPlayed - before.segmentsPlayed,
    mediaSec: after.currentTime - before.currentTime,
  };
}
