import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import {
  closeViewers,
  openViewer,
  waitForPlayback,
  type Viewer,
} from '../../../test/support/viewers.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

const ADMIN_TOKEN = 'e2e-admin-token-3f9c1d7a5b';
const RESULTS_DIR = resolve(import.meta.dirname, '../../../test-results');
/** A name that would run script if the page ever rendered it as HTML. */
const HOSTILE_NAME = 'E2E <img src=x onerror="alert(1)"> & “co”';

const e2e = useE2eFixture({ adminToken: ADMIN_TOKEN });
let server: MeshcastServer;
let browser: Browser;
const viewers: Viewer[] = [];

beforeAll(() => {
  ({ server, browser } = e2e);
});

afterAll(async () => {
  await closeViewers(viewers);
});

/** Fills the channel form's text fields that are given. */
async function fillForm(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await page.fill(`#field-${name}`, value);
}

describe('admin page', () => {
  it('logs in, creates a channel, shows its viewers live, edits, disables and deletes it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await context.newPage();
    const errors: string[] = [];
    const alerts: string[] = [];
    admin.on('pageerror', (e) => errors.push(e.message));
    admin.on('dialog', (d) => {
      if (d.type() === 'confirm') {
        void d.accept();
      } else {
        alerts.push(d.message());
        void d.dismiss();
      }
    });
    mkdirSync(RESULTS_DIR, { recursive: true });

    // A wrong token is refused with a clear message; the right one opens the channel list.
    await admin.goto(`${server.url}/admin`);
    await admin.fill('#token', 'not-the-admin-token');
    await admin.click('#login button[type=submit]');
    await expect
      .poll(() => admin.locator('#login-error').innerText())
      .toContain('Wrong admin token');
    await admin.fill('#token', ADMIN_TOKEN);
    await admin.click('#login button[type=submit]');
    await admin.locator('tr[data-channel="demo"]').waitFor();
    expect(admin.url()).not.toContain(ADMIN_TOKEN);
    expect(await admin.evaluate(() => sessionStorage.getItem('meshcast.adminToken'))).toBe(
      ADMIN_TOKEN,
    );

    // The server's validation messages appear next to the fields they name.
    await admin.click('#new-channel');
    await fillForm(admin, { id: 'Bad Id!', name: ' ', sourceUrl: 'ftp://example/x.m3u8' });
    await admin.click('#channel-form button[type=submit]');
    await admin.locator('#form-error').waitFor();
    expect(await admin.locator('#error-id').innerText()).toContain('lowercase slug');
    expect(await admin.locator('#error-name').innerText()).toContain('must not be empty');
    expect(await admin.locator('#error-sourceUrl').innerText()).toContain('http(s) URL');
    await fillForm(admin, { allowedOrigins: 'https://ok.example\nhttps://bad.example/path' });
    await admin.click('#channel-form button[type=submit]');
    await expect
      .poll(() => admin.locator('#error-allowedOrigins').innerText())
      .toContain('line 2: an origin');
    await admin.screenshot({ path: resolve(RESULTS_DIR, 'admin-form-errors.png') });

    // A valid channel on the demo stream.
    await fillForm(admin, {
      id: 'e2e',
      name: HOSTILE_NAME,
      sourceUrl: `${server.url}/live/demo/master.m3u8`,
      allowedOrigins: '',
    });
    await admin.click('#channel-form button[type=submit]');
    const row = admin.locator('tr[data-channel="e2e"]');
    await row.waitFor();
    expect(await admin.locator('#notice').innerText()).toContain('Created');
    // Rendered as text, never as markup.
    expect(await row.locator('a.name').textContent()).toBe(HOSTILE_NAME);
    expect(await admin.locator('#view img').count()).toBe(0);
    expect(await row.locator('a.watch').getAttribute('href')).toBe('/watch/e2e');
    expect(await server.registry.get('e2e')).toMatchObject({ name: HOSTILE_NAME, enabled: true });

    // Two viewers: the list shows 2 viewers and an offload figure within 30 s.
    const t0 = Date.now();
    viewers.push(
      ...(await Promise.all([1, 2].map(() => openViewer(browser, `${server.url}/watch/e2e`)))),
    );
    await waitForPlayback(viewers);
    await expect.poll(() => row.locator('.viewers').innerText(), { timeout: 30_000 }).toBe('2');
    await expect
      .poll(() => row.locator('.offload').innerText(), { timeout: 30_000 })
      .toMatch(/^\d+\.\d %$/);
    expect(Date.now() - t0).toBeLessThan(30_000 + 20_000); // + page load and first frame
    console.log(
      `admin e2e: list shows 2 viewers, offload ${await row.locator('.offload').innerText()}, ` +
        `${Date.now() - t0} ms after opening the viewers`,
    );
    await admin.screenshot({ path: resolve(RESULTS_DIR, 'admin-channels.png') });

    // The detail view: current figures and charts with history, refreshing by itself.
    await row.locator('a.details').click();
    await expect
      .poll(() => admin.locator('.figure-viewers dd').innerText(), { timeout: 15_000 })
      .toBe('2');
    expect(await admin.locator('#channel-title').textContent()).toBe(HOSTILE_NAME);
    expect(await admin.locator('#charts canvas').count()).toBeGreaterThanOrEqual(7);
    await admin.waitForFunction(
      () => Number(document.querySelector<HTMLElement>('#charts')?.dataset.points) >= 2,
      null,
      { timeout: 25_000 },
    );
    const screenshot = resolve(RESULTS_DIR, 'admin-dashboard.png');
    await admin.screenshot({ path: screenshot, fullPage: true });
    console.log(`admin e2e: dashboard screenshot saved to ${screenshot}`);

    // Edit: the list shows the new name.
    await admin.click('#edit');
    await expect.poll(() => admin.inputValue('#field-name')).toBe(HOSTILE_NAME);
    await fillForm(admin, { name: 'E2E renamed', maxNeighbours: '4' });
    await admin.click('#channel-form button[type=submit]');
    await expect.poll(() => row.locator('a.name').textContent()).toBe('E2E renamed');
    expect(await server.registry.get('e2e')).toMatchObject({
      name: 'E2E renamed',
      maxNeighbours: 4,
    });

    // Disable: both viewers are told the channel is off air.
    await row.locator('a.edit').click();
    await expect.poll(() => admin.inputValue('#field-name')).toBe('E2E renamed');
    await admin.uncheck('#field-enabled');
    await admin.click('#channel-form button[type=submit]');
    await expect.poll(() => row.locator('.badges').innerText()).toContain('off air');
    for (const viewer of viewers) {
      await expect
        .poll(() => viewer.page.locator('#message').innerText(), { timeout: 15_000 })
        .toContain('This channel is off air.');
    }

    // Delete, after confirming.
    await row.locator('button.delete').click();
    await row.waitFor({ state: 'detached' });
    expect(await server.registry.get('e2e')).toBeUndefined();
    await admin.reload();
    await admin.locator('tr[data-channel="demo"]').waitFor();
    expect(await admin.locator('tr[data-channel="e2e"]').count()).toBe(0);

    // Log out: the token is forgotten.
    await admin.click('#logout');
    await admin.locator('#token').waitFor();
    expect(await admin.evaluate(() => sessionStorage.getItem('meshcast.adminToken'))).toBeNull();

    expect(alerts).toEqual([]);
    expect(errors).toEqual([]);
    for (const viewer of viewers) expect(viewer.errors).toEqual([]);
    await context.close();
  });
});
