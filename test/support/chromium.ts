import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export const CHROMIUM_MISSING =
  'Chromium is needed for the e2e tests and benchmarks and was not found. Install it with\n' +
  '    sudo apt-get update && sudo apt-get install -y chromium\n' +
  'or point CHROMIUM_PATH at a Chromium/Chrome binary.';

/** The Chromium binary: $CHROMIUM_PATH, else the usual system paths; undefined if none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * Finds Chromium, installing Debian's package when running as root with apt-get available;
 * otherwise throws with the exact install command. Never skips silently.
 */
export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  const canApt =
    process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && !process.env.CHROMIUM_PATH;
  if (canApt) {
    console.error('Chromium not found: installing Debian package "chromium" with apt-get…');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit' });
    } catch {
      throw new Error(`apt-get could not install chromium.\n${CHROMIUM_MISSING}`);
    }
    const installed = findChromium();
    if (installed) return installed;
  }
  throw new Error(CHROMIUM_MISSING);
}

/** Flags for headless Chromium on this kind of machine: no outside traffic, loopback WebRTC. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  // Background tabs must keep playing at full rate in multi-viewer tests.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Launches headless Chromium with a fresh profile, with `extraArgs` after `CHROMIUM_ARGS`. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * A fresh browser context for one viewer. The microphone permission makes Chromium gather
 * host (loopback) ICE candidates, which WebRTC between tabs on one machine needs.
 */
export async function newViewerContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
  await context.grantPermissions(['microphone']);
  return context;
}

/** A page in its own viewer context, with the uncaught errors it threw. */
export interface OpenedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Messages of the page's uncaught errors, in order. */
  readonly errors: string[];
}

/**
 * Opens `url` in a fresh viewer context, collecting the page's uncaught errors from the start.
 * `prepare` runs on the context before the page loads (e.g. to add an init script).
 */
export async function openPage(
  browser: Browser,
  url: string,
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<OpenedPage> {
  const context = await newViewerContext(browser);
  await prepare?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, errors };
}
