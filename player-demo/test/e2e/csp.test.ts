import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type OpenedPage } from '../../../test/support/chromium.js';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { addTestChannel } from '../../../test/support/server.js';
import { startPageServer, type PageServer } from './support/page-server.js';

// Every page under the server's Content-Security-Policy in real Chromium: no violation
// reported, and players still play (MSE blob: media, hls.js's blob: worker, WebSocket
// signaling, segments from the channel's origin, uPlot on the admin page, framing).

const ADMIN_TOKEN = 'e2e-csp-admin-token-8a1f0c';

const e2e = useE2eFixture({ adminToken: ADMIN_TOKEN });
let pages: PageServer;

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

declare global {
  interface Window {
    __cspViolations?: Violation[];
    /** Media elements that `play()` was called on. */
    __played?: HTMLMediaElement[];
  }
}

/** Records CSP violations and the media elements that play, in every frame. */
function recorder(): void {
  window.__cspViolations = [];
  window.__played = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations?.push({
      directive: e.violatedDirective,
      blocked: e.blockedURI,
      source: `${e.sourceFile}:${e.lineNumber}`,
    });
  });
  // Players live in shadow roots too: see them through play() rather than the DOM.
  // Called with the element as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
    if (!window.__played?.includes(this)) window.__played?.push(this);
    return play.call(this);
  };
}

beforeAll(async () => {
  pages = await startPageServer();
  // A channel whose HLS is on another origin over plain http (here: the same stream through
  // the server's own address under another name, 127.0.0.1 vs localhost).
  const other = e2e.server.url.replace('127.0.0.1', 'localhost');
  await addTestChannel(e2e.server, {
    id: 'elsewhere',
    name: 'Elsewhere',
    sourceUrl: `${other}/live/demo/master.m3u8`,
  });
});

afterAll(async () => {
  await pages.close();
});

/** Opens `url` with the recorder in every frame. */
function open(url: string): Promise<OpenedPage> {
  return openPage(e2e.browser, url, async (context) => {
    await context.addInitScript(recorder);
  });
}

/** Waits until `count` media elements of the frame have played past 1 s. */
async function playing(frame: Frame | Page, count = 1): Promise<void> {
  await frame.waitForFunction(
    (n) => (window.__played ?? []).filter((v) => v.currentTime > 1).length >= n,
    count,
    { timeout: 45_000, polling: 250 },
  );
}

/** CSP violations seen in every frame of the page. */
async function violations(page: Page): Promise<Violation[]> {
  const all: Violation[] = [];
  for (const frame of page.frames()) {
    all.push(...(await frame.evaluate(() => window.__cspViolations ?? [])));
  }
  return all;
}

async function expectClean(page: Page, errors: string[]): Promise<void> {
  const csp = await page.evaluate(async () => {
    const res = await fetch(location.href, { method: 'HEAD' });
    return res.headers.get('content-security-policy');
  });
  expect(csp).toContain("script-src 'self'");
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
}

describe('Content-Security-Policy in Chromium', () => {
  it('landing page: lists channels with no violation; an inline script would be one', async () => {
    const { context, page, errors } = await open(`${e2e.server.url}/`);
    await page.locator('#channels a[href="/watch/demo"]').first().waitFor();
    await expectClean(page, errors);
    // The recorder does see violations: an injected inline script is refused and reported.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.name = "ran"';
      document.body.append(script);
    });
    await expect
      .poll(() => violations(page))
      .toEqual([expect.objectContaining({ directive: 'script-src-elem', blocked: 'inline' })]);
    expect(await page.evaluate(() => window.name)).not.toBe('ran');
    await context.close();
  });

  it('watch page: plays the demo channel and a channel whose HLS is on another origin', async () => {
    for (const id of ['demo', 'elsewhere']) {
      const { context, page, errors } = await open(`${e2e.server.url}/watch/${id}`);
      await playing(page);
      await expectClean(page, errors);
      await context.close();
    }
  });

  it('embed page: plays, alone and framed by a page of another origin', async () => {
    const alone = await open(`${e2e.server.url}/embed/demo`);
    await playing(alone.page);
    await expectClean(alone.page, alone.errors);
    await alone.context.close();

    pages.set(
      '/frame.html',
      `<!doctype html><html><body>
<iframe id="f" src="${e2e.server.url}/embed/demo" width="480" height="270" allow="autoplay"></iframe>
</body></html>`,
    );
    const framed = await open(`${pages.origin}/frame.html`);
    const frame = await (await framed.page.waitForSelector('#f')).contentFrame();
    expect(frame).not.toBeNull();
    await playing(frame!);
    expect(await violations(framed.page)).toEqual([]);
    expect(framed.errors).toEqual([]);
    await framed.context.close();
  });

  it('video.js demo: plays', async () => {
    const { context, page, errors } = await open(`${e2e.server.url}/demo/videojs`);
    await playing(page);
    await expectClean(page, errors);
    await context.close();
  });

  it('embedding examples: the element, the data attribute and the iframe all play', async () => {
    const { context, page, errors } = await open(`${e2e.server.url}/demo/embed`);
    await playing(page, 2);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await playing(frame!);
    await expectClean(page, errors);
    await context.close();
  });

  it('admin page: logs in and draws the uPlot charts of a channel', async () => {
    const { context, page, errors } = await open(`${e2e.server.url}/admin`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type=submit]');
    const row = page.locator('tr[data-channel="demo"]');
    await row.waitFor();
    await row.locator('a.details').click();
    await page.locator('.uplot canvas').first().waitFor({ timeout: 30_000 });
    await expectClean(page, errors);
    await context.close();
  });
});
