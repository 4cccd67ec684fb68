import type { Server as HttpServer } from 'node:http';
import type { ChannelDisabledReason } from '@meshcast/client/signaling';
import { Server, type ServerOptions } from 'socket.io';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import type { SignalingIntegrity } from '../integrity/integrity-service.js';
import type { Logger } from '../logger.js';
import type { QoeIntake } from '../qoe/qoe-intake.js';
import { ChannelCache } from './channel-cache.js';
import { closeChannel } from './channel-room.js';
import { compactConnection } from './compact-connection.js';
import { Dispatcher, type DispatchConfig, type HandlerMap } from './dispatch.js';
import type {
  SignalingConfig,
  SignalingContext,
  SignalingServer,
  SignalingSocket,
} from './handlers/handler.js';
import { joinHandler } from './handlers/join-handler.js';
import { leaveHandler } from './handlers/leave-handler.js';
import { moreHandler } from './handlers/more-handler.js';
import { reportHandler } from './handlers/report-handler.js';
import { reportPeerHandler } from './handlers/report-peer-handler.js';
import { signalHandler } from './handlers/signal-handler.js';
import { MAX_SWARMS_PER_SOCKET } from './schemas.js';
import type { SwarmDirectory } from './swarm-directory.js';
import { SwarmRegistry } from './swarm-registry.js';

export interface AttachSignalingOptions {
  config: SignalingConfig & DispatchConfig;
  logger: Logger;
  /**
   * Where channels are looked up on join (enabled, p2pEnabled, maxNeighbours). With `watch`,
   * lookups are cached in memory and dropped on each write it reports.
   */
  registry: Pick<ChannelRegistry, 'get'> & Partial<Pick<ChannelRegistry, 'watch'>>;
  /** Uniform in [0, 1), for neighbour sampling. @default Math.random */
  random?: () => number;
  /**
   * Who is in which swarm. @default an in-memory {@link SwarmRegistry} (this process only);
   * servers on one Redis pass the shared one (`scale/cluster.ts`).
   */
  swarms?: SwarmDirectory;
  /** socket.io adapter; the Redis one makes `io.to(peerId)` reach every server. @default in-memory */
  adapter?: ServerOptions['adapter'];
  /** Where `report` events go. @default none: reports are refused */
  reports?: Pick<QoeIntake, 'accept'>;
  /** Segment hashes on join and peer reports. @default none: `report-peer` is refused */
  integrity?: SignalingIntegrity;
  /** Monotonic milliseconds, for the per-socket rate limits. @default performance.now */
  now?: () => number;
}

/** Counts for health, metrics and tests. */
export interface SignalingStats {
  /** Connected sockets. */
  sockets: number;
  /** Swarms with at least one member. */
  swarms: number;
  /** Memberships summed over swarms. */
  members: number;
}

/** The signaling endpoint mounted on an HTTP server. */
export interface Signaling {
  readonly io: SignalingServer;
  stats(): SignalingStats;
  /**
   * Tells this server's viewers of a channel that it is gone (`channel-disabled`) and drops
   * them from its swarms. Returns how many connections were told.
   */
  closeChannel(channel: string, reason: ChannelDisabledReason): number;
  /**
   * Disconnects every socket, refuses new ones and forgets all swarms. Leaves the HTTP
   * server running (its owner closes it). Safe to call twice.
   */
  destroy(): Promise<void>;
}

const HANDLERS: HandlerMap = {
  join: joinHandler,
  more: moreHandler,
  signal: signalHandler,
  leave: leaveHandler,
  report: reportHandler,
  'report-peer': reportPeerHandler,
};

/**
 * Mounts the socket.io signaling endpoint on an existing HTTP server.
 *
 * @example
 * const signaling = attachSignaling(httpServer, { config, logger, registry });
 * // on shutdown, before closing httpServer:
 * await signaling.destroy();
 */
export function attachSignaling(
  httpServer: HttpServer,
  options: AttachSignalingOptions,
): Signaling {
  const { config, logger, registry, random, reports, now, integrity } = options;
  const io: SignalingServer = new Server(httpServer, {
    path: config.signalingPath,
    maxHttpBufferSize: config.signalingMaxMessageBytes,
    serveClient: false,
    // Signaling messages are small JSON: compressing them costs CPU and per-socket zlib memory.
    perMessageDeflate: false,
    httpCompression: false,
    // Viewers come from any page that embeds the player; channels restrict origins themselves.
    cors: { origin: true },
    ...(options.adapter && { adapter: options.adapter }),
  });
  const swarms = options.swarms ?? new SwarmRegistry(random, config.localityRandomShare);
  const cache = registry.watch
    ? new ChannelCache({ get: registry.get.bind(registry), watch: registry.watch.bind(registry) })
    : undefined;
  const channels = cache ?? registry;
  const ctx: SignalingContext = {
    io,
    swarms,
    channels,
    config,
    logger,
    maxSwarmsPerSocket: MAX_SWARMS_PER_SOCKET,
    ...(reports && { reports }),
    ...(integrity && { integrity }),
  };

  const dispatcher = new Dispatcher(ctx, HANDLERS, config, now);
  io.on('connection', (socket) => {
    compactConnection(socket, config.localityHeader);
    socket.data.swarms = [];
    dispatcher.bind(socket);
    socket.on('disconnect', onDisconnect);
  });

  // One function for every socket (socket.io calls it with the socket as `this`).
  function onDisconnect(this: SignalingSocket, reason: string): void {
    const left = swarms.removeAll(this.id);
    integrity?.forget(this.id);
    logger.debug({ peerId: this.id, reason, left }, 'signaling disconnect');
  }

  let destroying: Promise<void> | undefined;
  return {
    io,
    stats: () => {
      const s = swarms.stats();
      return { sockets: io.of('/').sockets.size, swarms: s.swarms, members: s.members };
    },
    closeChannel: (channel, reason) => closeChannel(io, swarms, channel, reason),
    destroy: () => {
      destroying ??= (async () => {
        io.engine.opts.allowRequest = (_req, callback) => {
          callback('server shutting down', false);
        };
        io.local.disconnectSockets(true);
        await io.of('/').adapter.close();
        io.engine.close();
        swarms.clear();
        cache?.destroy();
      })();
      return destroying;
    },
  };
}
