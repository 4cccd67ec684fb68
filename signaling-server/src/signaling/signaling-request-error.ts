import type { SignalingErrorCode, SignalingErrorInfo } from '@meshcast/client/signaling';

/**
 * A request that the server refuses. Handlers throw it; the dispatcher turns it into the
 * `error` event and a failed acknowledgement.
 */
export class SignalingRequestError extends Error {
  readonly type = 'signaling-request' as const;

  constructor(
    readonly code: SignalingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignalingRequestError';
  }

  /** The error as data for the client. */
  toInfo(event?: string): SignalingErrorInfo {
    return event === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, event };
  }
}
