import { join } from 'node:path';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { DEMO_CHANNEL } from './channel.js';
import type { ChannelRegistry } from './channel-registry.js';
import { RedisChannelRegistry } from './redis-channel-registry.js';
import { SqliteChannelRegistry } from './sqlite-channel-registry.js';

/** The SQLite file inside DATA_DIR. */
export const CHANNEL_DB_FILE = 'meshcast.db';

/**
 * The server's channel store: Redis when `redisUrl` is set, else SQLite in `dataDir`. Either
 * is seeded with the demo channel the first time it is used.
 */
export async function createChannelRegistry(
  config: Pick<ServerConfig, 'dataDir' | 'redisUrl'>,
  logger: Logger,
): Promise<ChannelRegistry> {
  const onListenerError = (err: unknown): void => {
    logger.error({ err }, 'channel change listener failed');
  };
  if (config.redisUrl !== undefined) {
    const registry = await RedisChannelRegistry.open({
      url: config.redisUrl,
      seed: [DEMO_CHANNEL],
      onListenerError,
      onError: (err) => {
        logger.warn({ err: err.message }, 'redis connection problem');
      },
    });
    logger.info({ store: 'redis' }, 'channel registry ready');
    return registry;
  }
  const file = join(config.dataDir, CHANNEL_DB_FILE);
  const registry = new SqliteChannelRegistry({ file, seed: [DEMO_CHANNEL], onListenerError });
  logger.info({ store: 'sqlite', file }, 'channel registry ready');
  return registry;
}
