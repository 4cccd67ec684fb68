import type { EventEmitter } from 'node:events';
import type { SignalingSocket } from './handlers/handler.js';
import { releaseFrameMasks } from './release-frame-mask.js';

/** Request headers that signaling reads after the handshake (the locality header is added). */
const HANDSHAKE_HEADERS = ['origin', 'host', 'x-forwarded-for'] as const;

/** Shared by every compacted handshake: nothing reads `query` or `auth` after the handshake. */
const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** The parts of an engine.io connection that keep per-connection garbage alive. */
interface EngineConnection {
  request: unknown;
  transport?: { name?: string; socket?: WsSocket };
  once(event: 'upgrade', listener: () => void): unknown;
}

type Listener = (...args: unknown[]) => void;

interface WsSocket extends EventEmitter {
  _socket?: EventEmitter;
  _receiver?: EventEmitter;
}

/**
 * Prototype of the compacted listener tables: no inherited keys, as with the `{ __proto__:
 * null }` that EventEmitter starts from, so `events[type]` finds exactly the same listeners.
 */
const NO_KEYS: object = Object.freeze(Object.create(null) as object);

/**
 * Drops what socket.io, engine.io and `ws` keep for the life of a connection but nothing reads
 * after the handshake, so that a held connection costs less memory:
 * - the upgrade request (`socket.conn.request`), its headers and body stream;
 * - the `close` listener engine.io's upgrade leaves on the TCP socket (it keeps a stand-in
 *   response for HTTP middlewares and, through it, the upgrade request again; meshcast
 *   mounts no engine.io middleware);
 * - engine.io's `error` listener for errors before the upgrade (the transport has its own);
 * - of `socket.handshake`, every header but the few the handlers read, the URL, the query,
 *   the `auth` payload and the date string;
 * - `ws`'s mask of the last frame, which keeps that frame's TCP read alive
 *   ({@link releaseFrameMasks});
 * - and it rebuilds the listener tables (`_events`) of the connection's six EventEmitters
 *   (socket.io and engine.io sockets, transport, `ws` socket and receiver, TCP socket).
 * A connection that starts with long polling is compacted again once it upgrades.
 *
 * @param localityHeader - lowercase name of the region header that locality reads
 */
export function compactConnection(socket: SignalingSocket, localityHeader: string): void {
  const conn = socket.conn as unknown as EngineConnection;
  conn.request = null;
  dropUpgradeListeners(conn);
  compactListenerTables(socket, conn);
  if (conn.transport?.name !== 'websocket') {
    conn.once('upgrade', () => {
      dropUpgradeListeners(conn);
      compactListenerTables(socket, conn);
    });
  }

  const from = socket.handshake.headers;
  const headers: Record<string, string | string[]> = {};
  for (const name of [...HANDSHAKE_HEADERS, localityHeader]) {
    const value = from[name];
    if (value !== undefined) headers[name] = value;
  }
  (socket as { handshake: SignalingSocket['handshake'] }).handshake = {
    headers,
    time: '',
    address: socket.handshake.address,
    xdomain: socket.handshake.xdomain,
    secure: socket.handshake.secure,
    issued: socket.handshake.issued,
    url: '',
    query: EMPTY,
    auth: EMPTY,
  };
}

function dropUpgradeListeners(conn: EngineConnection): void {
  conn.request = null;
  const ws = conn.transport?.name === 'websocket' ? conn.transport.socket : undefined;
  if (!ws) return;
  if (ws._receiver) releaseFrameMasks(ws._receiver);
  for (const listener of ws.listeners('error') as Listener[]) {
    if (listener.name === 'onUpgradeError') ws.removeListener('error', listener);
  }
  const tcp = ws._socket;
  if (!tcp) return;
  // `once` listeners are wrappers with the original as `listener`; `ws` adds only plain ones.
  for (const listener of tcp.rawListeners('close') as Listener[]) {
    if ('listener' in listener) tcp.removeListener('close', listener);
  }
}

/**
 * EventEmitter keeps its listeners in an object created as `{ __proto__: null }`, which V8
 * stores as a hash table (~200 B even for a few keys). The same keys in an object whose
 * prototype merely has no keys get a fast layout shared by every connection that added
 * its listeners in the same order: ~0.7 KiB less per connection over these six emitters.
 * EventEmitter only reads, writes and deletes keys of the table, which behaves the same.
 */
function compactListenerTables(socket: SignalingSocket, conn: EngineConnection): void {
  const transport = conn.transport as (EventEmitter & { socket?: WsSocket }) | undefined;
  const ws = transport?.socket;
  for (const emitter of [socket, conn, transport, ws, ws?._socket, ws?._receiver]) {
    const e = emitter as { _events?: object } | undefined;
    if (e?._events && Object.getPrototypeOf(e._events) === null) {
      e._events = Object.assign(Object.create(NO_KEYS) as object, e._events);
    }
  }
}
