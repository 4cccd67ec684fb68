#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { applyProcessSettings } from './process-settings.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  const v8Flags = applyProcessSettings();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config);
  const server = await startServer({ config, logger });
  const base = config.publicUrl ?? server.url;
  logger.info({ url: base, host: config.host, port: server.port, v8Flags }, 'meshcast listening');
  console.error(`\n  meshcast is running:\n    watch  ${base}/watch/demo\n    home   ${base}/\n`);
  if (server.adminTokenGenerated) {
    // Printed once, never logged: set ADMIN_TOKEN to keep one across restarts.
    console.error(`  admin token for this run (ADMIN_TOKEN is unset): ${server.adminToken}\n`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('meshcast failed to start:', err);
  process.exit(1);
});
