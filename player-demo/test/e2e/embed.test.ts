import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMBED_BUNDLE } from '../../../signaling-server/src/http/embed-routes.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { addTestChannel } from '../../../test/support/server.js';
import { waitUntil } from '../../../test/support/wait.js';
import { EVENT_RECORDER, openEmbedViewer, type EmbedViewer } from './support/embed-viewers.js';
import { startPageServer, type PageServer } from './support/page-server.js';
import type * as MeshcastIife from '../../../client/src/embed/iife.js';

/** `window.Meshcast`: what meshcast.js exports. */
type MeshcastGlobal = typeof MeshcastIife;

// The one-script embed on a page of another origin (another port), the origin policy, and
// the iframe embed, against the real build in real Chromium with loopback-only WebRTC.

const e2e = useE2eFixture();
let server: MeshcastServer;
let pages: PageServer;
let browser: Browser;

const addChannel = (id: string, allowedOrigins: string[]) =>
  addTestChannel(server, { id, name: `embed test ${id}`, allowedOrigins });

beforeAll(async () => {
  if (!existsSync(DEFAULT_EMBED_BUNDLE)) {
    throw new Error(`${DEFAULT_EMBED_BUNDLE} is not built: run npm run build`);
  }
  ({ server, browser } = e2e);
  pages = await startPageServer();
  // embed-a lists the test page's origin, embed-b allows any, embed-locked another origin only.
  await addChannel('embed-a', [pages.origin]);
  await addChannel('embed-b', []);
  await addChannel('embed-locked', ['https://example.com']);
});

afterAll(async () => {
  await pages.close();
});

const twoChannelsPage = (host: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>two channels</title>${EVENT_RECORDER}</head><body>
<script src="${host}/meshcast.js" async></script>
<meshcast-player id="a" channel="embed-a" autoplay muted stats style="width:480px"></meshcast-player>
<div id="b" data-meshcast-channel="embed-b" data-meshcast-autoplay data-meshcast-muted style="width:480px"></div>
</body></html>`;

describe('one-script embed on another origin', () => {
  it('plays two channels on one page; two such pages share segments per channel; removing an element destroys its player', async () => {
    pages.set('/two.html', twoChannelsPage(server.url));
    const viewers: EmbedViewer[] = [];
    for (let i = 0; i < 2; i++) {
      viewers.push(await openEmbedViewer(browser, `${pages.origin}/two.html`));
    }
    const ids = ['a', 'b'];
    await waitUntil(
      'all four players show a first frame',
      async () => {
        const all = await Promise.all(viewers.flatMap((v) => ids.map((id) => v.stats(id))));
        return all.every((s) => s?.startupMs !== undefined);
      },
      40_000,
    );
    // Per channel: both viewers connected to each other, and every player took segments from
    // its peer (the seeder of each new segment varies with the segment).
    await waitUntil(
      'every player takes segment bytes from the other page and gives some back',
      async () => {
        for (const id of ids) {
          const snaps = await Promise.all(viewers.map((v) => v.stats(id)));
          const both = (s: (typeof snaps)[number]) => s && s.p2pBytes > 0 && s.uploadBytes > 0;
          if (!snaps.every(both)) return false;
        }
        return true;
      },
      60_000,
    );
    for (const id of ids) {
      const snaps = await Promise.all(viewers.map((v) => v.stats(id)));
      console.log(`embed ${id}`, JSON.stringify(snaps));
      for (const s of snaps) {
        expect(s?.p2pEnabled).toBe(true);
        // Each player's only neighbour is its counterpart on the other page: the two channels
        // of one page are independent swarms.
        expect(s?.peers).toBe(1);
      }
      for (const s of snaps) {
        expect(s?.p2pBytes).toBeGreaterThan(0);
        expect(s?.uploadBytes).toBeGreaterThan(0);
      }
    }
    // The stats overlay is on for `a` (attribute) and off for `b`.
    const overlay = await viewers[0]!.page.evaluate(() => ({
      a: document.getElementById('a')?.shadowRoot?.querySelector('.mc-stats')?.textContent ?? '',
      aHidden: document
        .getElementById('a')
        ?.shadowRoot?.querySelector('.mc-stats')
        ?.hasAttribute('hidden'),
    }));
    expect(overlay.aHidden).toBe(false);
    expect(overlay.a).toContain('P2P');

    // Removing the element destroys its player: its signaling socket goes, the other stays.
    const sockets = server.signaling.stats().sockets;
    expect(sockets).toBe(4);
    await viewers[0]!.page.evaluate(() => document.getElementById('a')?.remove());
    await waitUntil(
      'the removed player closed its socket',
      () => server.signaling.stats().sockets === 3,
    );
    const before = await viewers[0]!.stats('b');
    await new Promise((r) => setTimeout(r, 3000));
    const after = await viewers[0]!.stats('b');
    expect(after!.playMs).toBeGreaterThan(before!.playMs + 1500);
    expect(await viewers[0]!.page.evaluate(() => document.getElementById('a'))).toBeNull();

    for (const v of viewers) {
      expect(v.pageErrors).toEqual([]);
      expect((await v.errors()).filter((e) => e.fatal)).toEqual([]);
      await v.close();
    }
  });

  it('shows a clear error in the player when the channel does not allow the page origin', async () => {
    pages.set(
      '/locked.html',
      `<!doctype html><html><head><meta charset="utf-8">${EVENT_RECORDER}</head><body>
<script src="${server.url}/meshcast.js" async></script>
<meshcast-player id="locked" channel="embed-locked" autoplay muted></meshcast-player>
</body></html>`,
    );
    const v = await openEmbedViewer(browser, `${pages.origin}/locked.html`);
    await waitUntil('the refusal is shown', async () => (await v.errors()).length > 0, 15_000);
    const [error] = await v.errors();
    expect(error).toMatchObject({ id: 'locked', type: 'origin-not-allowed', fatal: true });
    const shown = await v.page.evaluate(
      () => document.getElementById('locked')?.shadowRoot?.querySelector('.mc-error')?.textContent,
    );
    expect(shown).toBe(
      `The channel “embed test embed-locked” may not be embedded on ${pages.origin}.`,
    );
    // Nothing was played and no signaling connection was made for it.
    expect(
      await v.page.evaluate(() => document.querySelector('meshcast-player')?.getStats()),
    ).toBeUndefined();
    await v.close();
  });

  it('Meshcast.mount returns a player with stats, events and destroy; attributes reflect as properties', async () => {
    pages.set(
      '/mount.html',
      `<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="live" style="width:480px"></div>
<meshcast-player id="el" channel="embed-b"></meshcast-player>
<script src="${server.url}/meshcast.js"></script>
</body></html>`,
    );
    const sockets = server.signaling.stats().sockets;
    const v = await openEmbedViewer(browser, `${pages.origin}/mount.html`);
    const result = await v.page.evaluate(async () => {
      const M = (window as unknown as { Meshcast: MeshcastGlobal }).Meshcast;
      const live = document.getElementById('live')!;
      const player = M.mount(live, { channel: 'embed-b', muted: true, autoplay: true });
      const ready = await new Promise<string>((resolve) =>
        player.on('ready', (c) => resolve(c.id)),
      );
      const playing = await new Promise<number>((resolve) => player.on('playing', resolve));
      const stats = await new Promise<{ cdnBytes: number }>((resolve) =>
        player.on('stats', resolve),
      );
      const hostsBefore = live.querySelectorAll('[data-meshcast-root]').length;
      player.destroy();
      player.destroy();
      // Attribute <-> property reflection on the element (which did not autoplay).
      const el = document.getElementById('el') as HTMLElement & Record<string, unknown>;
      const reflected = {
        channel: el.channel,
        autoplay: el.autoplay,
        p2p: el.p2p,
        controls: el.controls,
      };
      el.stats = true;
      el.p2p = false;
      el.muted = true;
      return {
        server: M.server,
        ready,
        playing,
        cdnBytes: stats.cdnBytes,
        hostsBefore,
        hostsAfter: live.querySelectorAll('[data-meshcast-root]').length,
        reflected,
        attributes: {
          stats: el.getAttribute('stats'),
          p2p: el.getAttribute('p2p'),
          muted: el.getAttribute('muted'),
        },
      };
    });
    expect(result).toMatchObject({
      server: server.url,
      ready: 'embed-b',
      hostsBefore: 1,
      hostsAfter: 0,
      reflected: { channel: 'embed-b', autoplay: false, p2p: true, controls: true },
      attributes: { stats: '', p2p: 'false', muted: '' },
    });
    expect(result.playing).toBeGreaterThan(0);
    expect(result.cdnBytes).toBeGreaterThan(0);
    // The mounted player's socket is gone; the element (restarted with p2p off) has none.
    await waitUntil(
      'sockets of this page are closed',
      () => server.signaling.stats().sockets === sockets,
    );
    expect(v.pageErrors).toEqual([]);
    await v.close();
  });

  it('the iframe embed plays; a channel with allowed origins limits who may frame it', async () => {
    pages.set(
      '/iframe.html',
      `<!doctype html><html><body>
<iframe id="f" src="${server.url}/embed/embed-b?stats=1" width="480" height="270" allow="autoplay"></iframe>
</body></html>`,
    );
    const v = await openEmbedViewer(browser, `${pages.origin}/iframe.html`);
    const frame = await (await v.page.waitForSelector('#f')).contentFrame();
    expect(frame).not.toBeNull();
    await frame!.waitForFunction(
      () => window.meshcastElement?.getStats()?.startupMs !== undefined,
      null,
      { timeout: 30_000 },
    );
    const t0 = await frame!.evaluate(() => window.meshcastElement?.getStats()?.playMs ?? 0);
    await new Promise((r) => setTimeout(r, 2000));
    const t1 = await frame!.evaluate(() => window.meshcastElement?.getStats()?.playMs ?? 0);
    expect(t1).toBeGreaterThan(t0 + 1000);
    expect(v.pageErrors).toEqual([]);
    await v.close();

    const frameAncestors = (res: Response): string | undefined =>
      /(?:^|;\s*)frame-ancestors ([^;]*)/.exec(
        res.headers.get('content-security-policy') ?? '',
      )?.[1];
    const locked = await fetch(`${server.url}/embed/embed-locked`);
    expect(frameAncestors(locked)).toBe("'self' https://example.com");
    const open = await fetch(`${server.url}/embed/embed-b`);
    expect(frameAncestors(open)).toBe('*');
    expect(open.headers.get('x-frame-options')).toBeNull();

    // The watch page shows both copy-paste snippets for its channel.
    const watch = await openEmbedViewer(browser, `${server.url}/watch/embed-b`);
    await watch.page.waitForSelector('#embed:not([hidden]) pre', { state: 'attached' });
    const snippets = await watch.page.locator('#embed pre').allTextContents();
    expect(snippets).toEqual([
      `<script src="${server.url}/meshcast.js" async></script>\n` +
        '<meshcast-player channel="embed-b" autoplay muted></meshcast-player>',
      `<iframe src="${server.url}/embed/embed-b" width="640" height="360" ` +
        'allow="autoplay; fullscreen" allowfullscreen style="border:0"></iframe>',
    ]);
    await watch.close();
    const example = await fetch(`${server.url}/demo/embed`);
    expect(example.status).toBe(200);
    expect(await example.text()).toContain('<script src="/meshcast.js" async></script>');
  });
});
