/**
 * Why a peer request failed or a peer connection ended:
 * - `timeout`: no byte of the requested segment arrived for `requestTimeoutMs`;
 * - `absent`: the remote does not hold the segment (or its serving queue was full);
 * - `closed`: the connection is not open, or it closed before the segment arrived;
 * - `cancelled`: the request was cancelled by its caller;
 * - `protocol`: the remote sent a malformed message, so the connection was dropped;
 * - `busy`: this side already has `maxPendingRequests` requests in flight to this peer, or the
 *   remote answered `busy` (its upload is saturated: ask another holder);
 * - `connection`: the WebRTC connection failed (or did not open within `connectTimeoutMs`).
 */
export type PeerErrorType =
  'timeout' | 'absent' | 'closed' | 'cancelled' | 'protocol' | 'busy' | 'connection';

/** A failed peer request, or the error that ended a peer connection. */
export class PeerError extends Error {
  override readonly name = 'PeerError';
  constructor(
    readonly type: PeerErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
