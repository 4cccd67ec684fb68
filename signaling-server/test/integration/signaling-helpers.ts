import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SignalingErrorInfo,
} from '../../../client/src/signaling/protocol.js';
import type { Channel } from '../../src/channels/channel.js';
import { MemoryChannelRegistry } from '../../src/channels/channel-registry.js';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { attachSignaling, type Signaling } from '../../src/signaling/attach-signaling.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects a real socket.io client over WebSocket; no automatic reconnection. */
export async function connect(url: string, path = '/socket.io'): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    path,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The next `error` event of a socket, or a rejection after `ms`. */
export function nextError(socket: ClientSocket, ms = 3000): Promise<SignalingErrorInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('error', onError);
      reject(new Error('no error event'));
    }, ms);
    const onError = (e: SignalingErrorInfo): void => {
      clearTimeout(timer);
      resolve(e);
    };
    socket.once('error', onError);
  });
}

/** Waits until `check` holds, polling (the tests' shared helper). */
export { until } from '../../../test/support/wait.js';

/** A bare HTTP server with only signaling mounted, over the given channels. */
export interface BareSignalingServer {
  url: string;
  http: Server;
  signaling: Signaling;
  close(): Promise<void>;
}

export async function startBareSignaling(
  channels: Channel[],
  overrides: Partial<ServerConfig> = {},
): Promise<BareSignalingServer> {
  const config: ServerConfig = { ...DEFAULT_SERVER_CONFIG, logLevel: 'silent', ...overrides };
  const http = createServer();
  const signaling = attachSignaling(http, {
    config,
    logger: createLogger(config),
    registry: new MemoryChannelRegistry(channels),
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url,
    http,
    signaling,
    close: async () => {
      await signaling.destroy();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
