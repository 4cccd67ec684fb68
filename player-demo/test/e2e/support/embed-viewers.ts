import type { Browser, Page } from 'playwright-core';
import { openPage } from '../../../../test/support/chromium.js';

/** What an embedded player reports in its `meshcast-stats` events (the fields tests read). */
export interface EmbedStats {
  p2pBytes: number;
  cdnBytes: number;
  uploadBytes: number;
  peers: number;
  p2pEnabled: boolean;
  startupMs: number | undefined;
  playMs: number;
  stalls: number;
}

/** An embed error as the page saw it (`meshcast-error` events). */
export interface SeenError {
  id: string;
  type: string;
  message: string;
  fatal: boolean;
}

declare global {
  interface Window {
    /** Last `meshcast-stats` detail per element id (set by {@link EVENT_RECORDER}). */
    statsById?: Record<string, EmbedStats>;
    /** Every `meshcast-error` seen. */
    embedErrors?: SeenError[];
  }
}

/**
 * A page script that records the embed's DOM events: the tests read players through the
 * same events a host page would use.
 */
export const EVENT_RECORDER = `<script>
  window.statsById = {};
  window.embedErrors = [];
  document.addEventListener('meshcast-stats', (e) => { window.statsById[e.target.id] = e.detail; });
  document.addEventListener('meshcast-error', (e) => {
    window.embedErrors.push({ id: e.target.id, type: e.detail.type, message: e.detail.message, fatal: e.detail.fatal });
  });
</script>`;

/** One browser context with one page. */
export interface EmbedViewer {
  readonly page: Page;
  /** Uncaught page errors. */
  readonly pageErrors: string[];
  /** The last stats event of the element with this id, or null. */
  stats(id: string): Promise<EmbedStats | null>;
  errors(): Promise<SeenError[]>;
  close(): Promise<void>;
}

export async function openEmbedViewer(browser: Browser, url: string): Promise<EmbedViewer> {
  const { context, page, errors: pageErrors } = await openPage(browser, url);
  return {
    page,
    pageErrors,
    stats: (id) => page.evaluate((i) => window.statsById?.[i] ?? null, id),
    errors: () => page.evaluate(() => window.embedErrors ?? []),
    close: () => context.close(),
  };
}
