import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ServerConfig } from '../../signaling-server/src/config.js';
import type { MeshcastServer } from '../../signaling-server/src/server.js';
import { launchChromium } from './chromium.js';
import { requireBuiltPages, startTestServer } from './server.js';
import { sleep } from './wait.js';

/** The meshcast server and the Chromium of one e2e test file. */
export interface E2eFixture {
  /** The server of the built pages, the demo channel and signaling (the current one). */
  readonly server: MeshcastServer;
  readonly browser: Browser;
  /**
   * Kills the server (every socket drops), waits `downtimeMs`, and starts it again on the
   * same port with the same config and channels.
   */
  restartServer(downtimeMs: number): Promise<void>;
}

/**
 * Registers the `beforeAll` that checks the pages are built, starts a server (loopback-only
 * ICE unless `overrides` say otherwise; its channel database in a temporary directory that
 * outlives restarts) and launches Chromium, and the `afterAll` that closes them. Call it at
 * the top of the file: hooks the file registers later run after this `beforeAll` and before
 * this `afterAll`, so they may use the server and the browser.
 *
 * @example
 * const e2e = useE2eFixture({ adminToken: TOKEN });
 * it('plays', async () => { const v = await openViewer(e2e.browser, `${e2e.server.url}/watch/demo`); });
 */
export function useE2eFixture(overrides: Partial<ServerConfig> = {}): E2eFixture {
  let ownDataDir: string | undefined;
  let config: Partial<ServerConfig> = {};
  let server: MeshcastServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    requireBuiltPages();
    if (overrides.dataDir === undefined) ownDataDir = mkdtempSync(join(tmpdir(), 'meshcast-e2e-'));
    config = {
      iceCandidateFilter: 'loopback',
      ...(ownDataDir !== undefined && { dataDir: ownDataDir }),
      ...overrides,
    };
    server = await startTestServer(config);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (ownDataDir !== undefined) rmSync(ownDataDir, { recursive: true, force: true });
  });

  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`the e2e ${what} is not started (use it in a test)`);
    return value;
  };
  return {
    get server() {
      return started('server', server);
    },
    get browser() {
      return started('browser', browser);
    },
    async restartServer(downtimeMs) {
      const { port } = started('server', server);
      await server?.close();
      server = undefined;
      await sleep(downtimeMs);
      server = await startTestServer({ ...config, port });
    },
  };
}
