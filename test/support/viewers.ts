import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MeshcastPlayer, PlayerStats } from '../../client/src/index.js';
import { openPage } from './chromium.js';
import { sleep } from './wait.js';

declare global {
  interface Window {
    /** Set by the watch page. */
    meshcastPlayer?: MeshcastPlayer;
  }
}

/** What a viewer's page reports: `window.meshcastPlayer.stats()` and its video's playhead. */
export interface ViewerStats extends PlayerStats {
  /** The `<video>` element's currentTime, s. */
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
  const { context, page, errors } = await openPage(browser, url, prepare);
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

/** How a viewer's counters moved between two snapshots; `mediaSec` is media time played. */
export interface ViewerDelta {
  p2pBytes: number;
  cdnBytes: number;
  uploadBytes: number;
  stalls: number;
  stallMs: number;
  playMs: number;
  segmentsPlayed: number;
  mediaSec: number;
}

/** Per-viewer differences of the counters between two snapshots. */
export function delta(before: ViewerStats, after: ViewerStats): ViewerDelta {
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

/** Every viewer's stats, read at once. */
export function statsOf(viewers: readonly Viewer[]): Promise<ViewerStats[]> {
  return Promise.all(viewers.map((v) => v.stats()));
}

/** Closes every viewer's browser context. */
export async function closeViewers(viewers: readonly Viewer[]): Promise<void> {
  await Promise.all(viewers.map((v) => v.close()));
}

/** The sum of one numeric field over a list of stats or deltas. */
export function totalOf<K extends string>(items: readonly Record<K, number>[], key: K): number {
  return items.reduce((n, item) => n + item[key], 0);
}

/** Options of {@link openViewers}. */
export interface OpenViewersOptions {
  /** Pause after each viewer opens, ms (a swarm joins over time, not all at once). */
  gapMs?: number;
  /** Runs on each fresh context before its page loads (see {@link openViewer}). */
  prepare?: (context: BrowserContext) => Promise<void>;
}

/** Opens `count` viewers on `url` one after another, pausing `gapMs` (1 s) after each. */
export async function openViewers(
  browser: Browser,
  url: string,
  count: number,
  { gapMs = 1000, prepare }: OpenViewersOptions = {},
): Promise<Viewer[]> {
  const viewers: Viewer[] = [];
  for (let i = 0; i < count; i++) {
    viewers.push(await openViewer(browser, url, prepare));
    await sleep(gapMs);
  }
  return viewers;
}

/** Stats at both ends of a measured window, and each viewer's {@link delta} over it. */
export interface MeasuredWindow {
  before: ViewerStats[];
  after: ViewerStats[];
  deltas: ViewerDelta[];
}

/** Options of {@link measureWindow}. */
export interface MeasureWindowOptions {
  /** Time between every viewer's first frame and the window's start, ms. */
  warmupMs: number;
  /** The window's length, ms. */
  measureMs: number;
  /** Runs right before the first snapshot (to note the test's own counters). */
  onStart?: () => void;
}

/**
 * Waits until every viewer plays, lets the swarm warm up, then measures a window: the
 * viewers' stats when it starts and ends, and what each played and fetched in between.
 */
export async function measureWindow(
  viewers: readonly Viewer[],
  { warmupMs, measureMs, onStart }: MeasureWindowOptions,
): Promise<MeasuredWindow> {
  await waitForPlayback(viewers);
  await sleep(warmupMs);
  onStart?.();
  const before = await statsOf(viewers);
  await sleep(measureMs);
  const after = await statsOf(viewers);
  return { before, after, deltas: before.map((b, i) => delta(b, after[i]!)) };
}
