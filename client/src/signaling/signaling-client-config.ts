import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './protocol.js';

/** The typed socket.io-client socket of the signaling protocol. */
export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** socket.io-client options accepted by {@link SignalingClientConfig.socketOptions}. */
export type SocketIoOptions = Partial<ManagerOptions & SocketOptions>;

/** Makes the socket; `url` undefined means the page's own origin (browsers only). */
export type SocketFactory = (url: string | undefined, options: SocketIoOptions) => SignalingSocket;

/** Timers, injectable for tests. */
export interface SignalingTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SignalingClientConfig {
  /**
   * Origin of the signaling server, e.g. `https://live.example.com`. Undefined connects to
   * the page's own origin (browsers only). @default undefined
   */
  url: string | undefined;
  /** Path of the socket.io endpoint; must match the server's `SIGNALING_PATH`. @default '/socket.io' */
  path: string;
  /** How long `join`, `more` and `leave` wait for the server's answer. @default 10000 */
  requestTimeoutMs: number;
  /**
   * Delay before reconnecting when the server itself closed the connection (socket.io does
   * not retry that case on its own); jittered by ±50 %. @default 2000
   */
  serverDisconnectRetryMs: number;
  /**
   * Extra socket.io-client options (transports, reconnection delays, auth), over
   * {@link DEFAULT_SIGNALING_TRANSPORTS}. @default {}
   */
  socketOptions: SocketIoOptions;
  /** Creates the socket. @default socket.io-client's `io` */
  io: SocketFactory;
  /** Uniform in [0, 1), for jitter. @default Math.random */
  random: () => number;
  /** @default globalThis.setTimeout / clearTimeout */
  timers: SignalingTimers;
}

/**
 * The transports when `socketOptions` does not name them: WebSocket first (no long-polling
 * handshake, upgrade probe and second connection to the server), HTTP long-polling when the
 * WebSocket fails (`tryAllTransports`). A WebSocket that never answers (a proxy swallowing the
 * upgrade) ends the attempt at socket.io's connect timeout; the client then retries in the
 * classic order, {@link CLASSIC_SIGNALING_TRANSPORTS}.
 */
export const DEFAULT_SIGNALING_TRANSPORTS: Readonly<
  Required<Pick<SocketIoOptions, 'transports' | 'tryAllTransports'>>
> = {
  transports: ['websocket', 'polling'],
  tryAllTransports: true,
};

/** socket.io-client's own order: long-polling, then an upgrade to WebSocket. */
export const CLASSIC_SIGNALING_TRANSPORTS: readonly string[] = ['polling', 'websocket'];

const defaultIo: SocketFactory = (url, options) =>
  url === undefined ? io(options) : io(url, options);

export const DEFAULT_SIGNALING_CLIENT_CONFIG: SignalingClientConfig = {
  url: undefined,
  path: '/socket.io',
  requestTimeoutMs: 10_000,
  serverDisconnectRetryMs: 2_000,
  socketOptions: {},
  io: defaultIo,
  random: Math.random,
  timers: {
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle) => {
      globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
    },
  },
};

/** Merges over the defaults and validates; throws a RangeError naming the bad field. */
export function mergeSignalingClientConfig(
  partial: Partial<SignalingClientConfig>,
): SignalingClientConfig {
  const c: SignalingClientConfig = { ...DEFAULT_SIGNALING_CLIENT_CONFIG };
  // An explicit undefined means "the default", as if the field were absent.
  for (const key of Object.keys(partial) as (keyof SignalingClientConfig)[]) {
    const value = partial[key];
    if (value !== undefined) Object.assign(c, { [key]: value });
  }
  const bad = (field: string, why: string): never => {
    throw new RangeError(`SignalingClient config.${field} ${why}`);
  };
  if (c.url !== undefined && !/^(https?|wss?):\/\//.test(c.url)) {
    bad('url', 'must be an http(s) or ws(s) URL');
  }
  if (!c.path.startsWith('/')) bad('path', "must start with '/'");
  if (!Number.isFinite(c.requestTimeoutMs) || c.requestTimeoutMs <= 0) {
    bad('requestTimeoutMs', 'must be a positive number');
  }
  if (!Number.isFinite(c.serverDisconnectRetryMs) || c.serverDisconnectRetryMs < 0) {
    bad('serverDisconnectRetryMs', 'must be a number >= 0');
  }
  return c;
}
