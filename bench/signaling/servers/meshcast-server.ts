/** Child process: one meshcast server (express + socket.io signaling) on 127.0.0.1, port 0. */
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../../signaling-server/src/config.js';
import { createLogger } from '../../../signaling-server/src/logger.js';
import { applyProcessSettings } from '../../../signaling-server/src/process-settings.js';
import { startServer } from '../../../signaling-server/src/server.js';
import { serveChild } from './child-protocol.js';

// The V8 flags the server ships with (signaling-server/src/index.ts applies the same).
applyProcessSettings();

await serveChild(async () => {
  const config: ServerConfig = {
    ...DEFAULT_SERVER_CONFIG,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    // The per-connection relay limit is abuse policy, not capacity: at 10k peers the load is
    // ~1 msg/s per connection and never meets it, but a small run (the integration test's 60
    // peers at saturation) would measure the limiter instead of the server. The tracker has none.
    signalingRelayRate: 1e6,
    signalingRelayBurst: 1e6,
  };
  const server = await startServer({ config, logger: createLogger(config) });
  return {
    port: server.port,
    members: () => server.signaling.stats().members,
    close: () => server.close(),
  };
});
