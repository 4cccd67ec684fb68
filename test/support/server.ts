import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../signaling-server/src/config.js';
import { createLogger } from '../../signaling-server/src/logger.js';
import { startServer, type MeshcastServer } from '../../signaling-server/src/server.js';

/** Starts a real meshcast server on a free loopback port with quiet logs. */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  now?: () => number,
): Promise<MeshcastServer> {
  const config: ServerConfig = {
    ...DEFAULT_SERVER_CONFIG,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    ...overrides,
  };
  return startServer({ config, logger: createLogger(config), ...(now && { now }) });
}

/** Throws unless the pages are built (e2e tests serve the real build). */
export function requireBuiltPages(): void {
  if (!existsSync(join(DEFAULT_SERVER_CONFIG.staticDir, 'watch.html'))) {
    throw new Error(
      `player-demo is not built (${DEFAULT_SERVER_CONFIG.staticDir}): run npm run build`,
    );
  }
}
