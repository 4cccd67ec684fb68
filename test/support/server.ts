import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CHANNEL, type Channel } from '../../signaling-server/src/channels/channel.js';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../signaling-server/src/config.js';
import { createLogger } from '../../signaling-server/src/logger.js';
import { startServer, type MeshcastServer } from '../../signaling-server/src/server.js';

/**
 * Starts a real meshcast server on a free loopback port with quiet logs. Unless `overrides`
 * names a `dataDir`, its channel database lives in a fresh temporary directory that `close()`
 * removes.
 */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  now?: () => number,
): Promise<MeshcastServer> {
  const tempDir =
    overrides.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'meshcast-test-')) : undefined;
  const config: ServerConfig = {
    ...DEFAULT_SERVER_CONFIG,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    ...(tempDir !== undefined && { dataDir: tempDir }),
    ...overrides,
  };
  const removeTemp = (): void => {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  };
  let server: MeshcastServer;
  try {
    server = await startServer({ config, logger: createLogger(config), ...(now && { now }) });
  } catch (err) {
    removeTemp();
    throw err;
  }
  const close = server.close.bind(server);
  return Object.assign(server, {
    close: async () => {
      await close();
      removeTemp();
    },
  });
}

/** Throws unless the pages are built (e2e tests serve the real build). */
export function requireBuiltPages(): void {
  if (!existsSync(join(DEFAULT_SERVER_CONFIG.staticDir, 'watch.html'))) {
    throw new Error(
      `player-demo is not built (${DEFAULT_SERVER_CONFIG.staticDir}): run npm run build`,
    );
  }
}

/**
 * Adds a channel to the server's registry: the demo channel's settings (its stream, enabled,
 * P2P on, 8 neighbours, any origin) with the given fields.
 */
export function addTestChannel(
  server: MeshcastServer,
  channel: Pick<Channel, 'id' | 'name'> & Partial<Channel>,
): Promise<Channel> {
  return server.registry.create({ ...DEMO_CHANNEL, ...channel });
}
