import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { openEmbedViewer } from './support/embed-viewers.js';
import { startPageServer, type PageServer } from './support/page-server.js';

// The snippets of client/README.md, run as written: HTML pasted into a page of another
// origin, JavaScript bundled with esbuild against the built @meshcast/client package.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(`${root}client/README.md`, 'utf8');

/** The fenced block after `<!-- snippet: name -->` in the README. */
function snippet(name: string): string {
  const at = readme.indexOf(`<!-- snippet: ${name} -->`);
  const block = /```\w*\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !block?.[1]) throw new Error(`client/README.md has no snippet ${name}`);
  return block[1];
}

const e2e = useE2eFixture();
let server: MeshcastServer;
let pages: PageServer;
let browser: Browser;

const withHost = (text: string): string => text.replaceAll('https://HOST', server.url);

/** Bundles a README module the way an npm user's bundler would (Node shims for simple-peer). */
async function bundle(js: string): Promise<{ js: string; css: string }> {
  const result = await build({
    stdin: { contents: js, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { global: 'globalThis' },
    inject: [`${root}client/scripts/node-shims.js`],
    outdir: 'out',
    write: false,
    logLevel: 'error',
  });
  const file = (ext: string): string =>
    result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: file('.js'), css: file('.css') };
}

/** Serves a page of the snippet's HTML and, if given, its bundled module. */
async function servePage(name: string, html: string, js?: string): Promise<string> {
  let head = '';
  let tail = '';
  if (js !== undefined) {
    const out = await bundle(withHost(js));
    pages.set(`/${name}.js`, out.js, 'text/javascript');
    pages.set(`/${name}.css`, out.css, 'text/css');
    head = `<link rel="stylesheet" href="/${name}.css">`;
    tail = `<script type="module" src="/${name}.js"></script>`;
  }
  pages.set(
    `/${name}.html`,
    `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>\n${withHost(html)}\n${tail}</body></html>`,
  );
  return `${pages.origin}/${name}.html`;
}

/** Waits until the page's video (first match of `selector`) has played past 2 s and moves. */
async function expectPlaying(page: Page, selector: string): Promise<void> {
  const time = (): Promise<number> =>
    page.evaluate((s) => {
      const host = document.querySelector(s);
      const video =
        host instanceof HTMLVideoElement
          ? host
          : (host?.shadowRoot?.querySelector('video') ?? host?.querySelector('video'));
      return video?.currentTime ?? 0;
    }, selector);
  await page.waitForFunction(
    (s) => {
      const host = document.querySelector(s);
      const video =
        host instanceof HTMLVideoElement
          ? host
          : (host?.shadowRoot?.querySelector('video') ?? host?.querySelector('video'));
      return (video?.currentTime ?? 0) > 2;
    },
    selector,
    { timeout: 30_000 },
  );
  const t0 = await time();
  await new Promise((r) => setTimeout(r, 1500));
  expect(await time()).toBeGreaterThan(t0 + 0.5);
}

beforeAll(async () => {
  ({ server, browser } = e2e);
  pages = await startPageServer();
});

afterAll(async () => {
  await pages.close();
});

describe('client/README.md snippets', () => {
  it('script tag: <meshcast-player> from /meshcast.js on another origin plays', async () => {
    const v = await openEmbedViewer(
      browser,
      await servePage('script-tag', snippet('script-tag.html')),
    );
    await expectPlaying(v.page, 'meshcast-player');
    expect(v.pageErrors).toEqual([]);
    await v.close();
  });

  it('hls.js: HlsBinding as the fragment loader of the page’s own hls.js plays', async () => {
    const url = await servePage('hlsjs', snippet('hlsjs.html'), snippet('hlsjs.js'));
    const v = await openEmbedViewer(browser, url);
    await expectPlaying(v.page, '#video');
    expect(v.pageErrors).toEqual([]);
    await v.close();
  });

  it('video.js: registerMeshcast + player.meshcast() plays with video.js controls', async () => {
    const url = await servePage('videojs', snippet('videojs.html'), snippet('videojs.js'));
    const v = await openEmbedViewer(browser, url);
    await expectPlaying(v.page, '#player');
    expect(await v.page.locator('.vjs-control-bar').count()).toBe(1);
    expect(v.pageErrors).toEqual([]);
    await v.close();
  });
});
