import { describe, expect, it } from 'vitest';
import { launchChromium, newViewerContext } from '../../../test/support/chromium.js';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { waitUntil } from '../../../test/support/wait.js';

const e2e = useE2eFixture();

interface Sample {
  wall: number;
  currentTime: number;
  waiting: number;
  stalls: number;
}

describe('watch page', () => {
  it('plays the demo channel for 20 s at real-time rate with no stall after startup', async () => {
    const context = await newViewerContext(e2e.browser);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Count `waiting` from the very start; the ones before the first frame are the startup wait.
    await page.addInitScript(() => {
      const w = window as unknown as { __waitingAfterStart: number; __started: boolean };
      w.__waitingAfterStart = 0;
      w.__started = false;
      document.addEventListener(
        'playing',
        () => {
          w.__started = true;
        },
        true,
      );
      document.addEventListener(
        'waiting',
        () => {
          if (w.__started) w.__waitingAfterStart++;
        },
        true,
      );
    });
    const t0 = Date.now();
    await page.goto(`${e2e.server.url}/watch/demo`);
    await page.waitForFunction(() => window.meshcastPlayer?.stats().startupMs !== undefined, null, {
      timeout: 30_000,
    });
    const startupMs = await page.evaluate(() => window.meshcastPlayer?.stats().startupMs);
    console.log(
      `watch e2e: startup ${Math.round(startupMs ?? -1)} ms (player created -> first frame), ` +
        `${Date.now() - t0} ms from navigation`,
    );

    const sample = (): Promise<Sample> =>
      page.evaluate(() => {
        const v = document.querySelector('video')!;
        const w = window as unknown as { __waitingAfterStart: number };
        return {
          wall: performance.now(),
          currentTime: v.currentTime,
          waiting: w.__waitingAfterStart,
          stalls: window.meshcastPlayer?.stats().stalls ?? -1,
        };
      });
    const first = await sample();
    const samples = [first];
    for (let i = 0; i < 22; i++) {
      await page.waitForTimeout(1000);
      samples.push(await sample());
    }
    const last = samples[samples.length - 1]!;
    const wallSec = (last.wall - first.wall) / 1000;
    const mediaSec = last.currentTime - first.currentTime;
    console.log(
      `watch e2e: ${mediaSec.toFixed(2)} s of media in ${wallSec.toFixed(2)} s of wall time`,
    );
    expect(wallSec).toBeGreaterThanOrEqual(20);
    expect(mediaSec / wallSec).toBeGreaterThan(0.95);
    expect(mediaSec / wallSec).toBeLessThan(1.05);
    // Every one-second step moved the playhead (no freeze hidden in an average).
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]!.currentTime).toBeGreaterThan(samples[i - 1]!.currentTime);
    }
    expect(last.waiting).toBe(0);
    expect(last.stalls).toBe(0);

    // The overlay shows the figures a person looks at.
    const overlay = await page.locator('#stats').innerText();
    expect(overlay).toMatch(/rendition\s+\d{3}p/);
    expect(overlay).toMatch(/latency\s+\d+\.\d s/);
    expect(overlay).toMatch(/buffer\s+\d+\.\d s/);
    expect(errors).toEqual([]);

    // The unmute control unmutes (muted autoplay first).
    expect(await page.evaluate(() => document.querySelector('video')?.muted)).toBe(true);
    await page.click('#unmute');
    expect(await page.evaluate(() => document.querySelector('video')?.muted)).toBe(false);
    await context.close();
  });

  it('plays on a plain-HTTP page under a host name (not a secure context)', async () => {
    // Browsers treat http://127.0.0.1 as secure; a site's own host name over HTTP is not, and
    // there the APIs of secure contexts (crypto.randomUUID, crypto.subtle) do not exist.
    const { port } = new URL(e2e.server.url);
    const browser = await launchChromium(['--host-resolver-rules=MAP meshcast.test 127.0.0.1']);
    const qoe = e2e.server.qoe;
    const ingest = qoe.ingest.bind(qoe);
    const reported: string[] = [];
    qoe.ingest = (report) => {
      reported.push(report.sessionId);
      return ingest(report);
    };
    try {
      const context = await newViewerContext(browser);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://meshcast.test:${port}/watch/demo`);
      expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
      await page.waitForFunction(
        () => (document.querySelector('video')?.currentTime ?? 0) > 2,
        null,
        { timeout: 30_000 },
      );
      expect(errors).toEqual([]);
      // The player reports its QoE (every 5 s): the server takes the report.
      reported.length = 0;
      await waitUntil('a QoE report from the page', () => reported.length > 0, 12_000);
      expect(reported[0]).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      qoe.ingest = ingest;
      await browser.close();
    }
  });

  it('explains an unknown channel instead of showing a blank page', async () => {
    const context = await newViewerContext(e2e.browser);
    const page = await context.newPage();
    const res = await page.goto(`${e2e.server.url}/watch/no-such-channel`);
    expect(res?.status()).toBe(404);
    const message = page.locator('#message');
    await message.waitFor({ state: 'visible' });
    expect(await message.innerText()).toContain('There is no channel called “no-such-channel”');
    expect(await page.locator('#stage').isHidden()).toBe(true);
    await context.close();
  });

  it('lists channels on the landing page with links to watch them', async () => {
    const context = await newViewerContext(e2e.browser);
    const page = await context.newPage();
    await page.goto(`${e2e.server.url}/`);
    const link = page.locator('#channels a', { hasText: 'meshcast demo' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe('/watch/demo');
    await context.close();
  });
});
