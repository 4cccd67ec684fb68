import type { SignalingSocket } from './handlers/handler.js';

/** Bytes queued towards one connection past which relays to it are refused. */
export const MAX_OUTGOING_BACKLOG_BYTES = 1024 * 1024;
/**
 * Packets waiting for the transport past which relays to a connection are refused (they wait
 * while a WebSocket write is pending, or between two polls of a long-polling client): at most
 * this many signals of at most MAX_SIGNAL_BYTES each.
 */
export const MAX_OUTGOING_BACKLOG_PACKETS = 128;

interface EngineConnection {
  /** engine.io packets not yet handed to the transport (long polling between polls). */
  writeBuffer?: unknown[];
  /** The WebSocket transport's `ws` socket: `bufferedAmount` is what the kernel has not taken. */
  transport?: { socket?: { bufferedAmount?: unknown } };
}

/**
 * Whether a connection has more queued towards it than a live viewer ever has: a client that
 * stops reading must not make the server buffer without bound what others send it.
 */
export function backlogged(socket: SignalingSocket): boolean {
  const conn = socket.conn as unknown as EngineConnection;
  const bytes = conn.transport?.socket?.bufferedAmount;
  if (typeof bytes === 'number' && bytes > MAX_OUTGOING_BACKLOG_BYTES) return true;
  return (conn.writeBuffer?.length ?? 0) > MAX_OUTGOING_BACKLOG_PACKETS;
}
