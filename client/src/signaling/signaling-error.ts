import type { SignalingErrorCode } from './protocol.js';

/** Why a signaling request failed on the client side. */
export type SignalingClientErrorCode =
  | SignalingErrorCode
  /** The server did not answer within `requestTimeoutMs`. */
  | 'timeout'
  /** The connection dropped before the answer came; the request may be retried. */
  | 'disconnected'
  /** The server's answer did not have the expected shape. */
  | 'bad-response'
  /** The client was destroyed. */
  | 'destroyed';

/** A refused or failed signaling request; `code` says why. */
export class SignalingError extends Error {
  readonly type = 'signaling' as const;

  constructor(
    readonly code: SignalingClientErrorCode,
    message: string,
    /** The event the error is about, when known. */
    readonly event?: string,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}
