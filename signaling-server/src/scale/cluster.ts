import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { QoeAggregator } from '../qoe/qoe-aggregator.js';
import { ClusterQoe } from './cluster-qoe.js';
import { RedisHashStore } from './redis-hash-store.js';
import { RedisSwarmDirectory } from './redis-swarm-directory.js';

/**
 * What a server needs to work beside others on one Redis: the socket.io adapter (so
 * `io.to(peerId)` reaches a socket on any server), the shared swarm directory, the
 * channel-wide QoE view and the shared segment hashes.
 */
export interface Cluster {
  /** This server's id among the servers. */
  readonly nodeId: string;
  readonly adapter: NonNullable<ServerOptions['adapter']>;
  readonly swarms: RedisSwarmDirectory;
  readonly qoe: ClusterQoe;
  /** Segment hashes shared by the servers (integrity). */
  readonly hashStore: RedisHashStore;
  /** Stops heartbeats and publishing, drops this server's members, closes connections. */
  destroy(): Promise<void>;
}

/**
 * Connects to `config.redisUrl` (three connections: commands, the swarm feed, the adapter's
 * subscription) and joins the servers. Rejects when Redis cannot be reached in time.
 */
export async function openCluster(
  config: Pick<ServerConfig, 'redisUrl' | 'redisNodeTtlMs' | 'localityRandomShare'> & {
    redisUrl: string;
  },
  aggregator: QoeAggregator,
  logger: Logger,
): Promise<Cluster> {
  const client = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  const swarmFeed = client.duplicate();
  const adapterFeed = client.duplicate();
  const connections = [client, swarmFeed, adapterFeed];
  for (const c of connections) {
    c.on('error', (err: Error) => {
      logger.warn({ err: err.message }, 'redis connection problem (cluster)');
    });
  }
  const close = (): void => {
    for (const c of connections) c.disconnect();
  };
  const onError = (err: unknown): void => {
    logger.warn({ err }, 'cluster redis write failed');
  };
  let swarms: RedisSwarmDirectory;
  try {
    await Promise.all(connections.map((c) => c.connect()));
    swarms = await RedisSwarmDirectory.open({
      client,
      subscriber: swarmFeed,
      config: { nodeTtlMs: config.redisNodeTtlMs },
      localityRandomShare: config.localityRandomShare,
      onError,
    });
  } catch (err) {
    close();
    throw err;
  }
  const qoe = new ClusterQoe({
    aggregator,
    client,
    nodeId: swarms.nodeId,
    servers: () => swarms.servers(),
    onError,
  });
  logger.info({ nodeId: swarms.nodeId }, 'joined the servers on redis');
  let destroying: Promise<void> | undefined;
  return {
    nodeId: swarms.nodeId,
    adapter: createAdapter(client, adapterFeed, { key: 'meshcast:socket.io' }),
    swarms,
    qoe,
    hashStore: new RedisHashStore(client),
    destroy: () => {
      destroying ??= (async () => {
        qoe.destroy();
        await swarms.destroy();
        await Promise.allSettled(connections.map((c) => c.quit()));
        close();
      })();
      return destroying;
    },
  };
}
