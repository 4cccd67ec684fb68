import type { WireMessage } from './wire.js';

/** How much a remote may make this side work and hold, per connection. */
export interface InboundGuardConfig {
  /**
   * Control messages (every type but `data`) a remote may send per second, on average. An
   * honest peer sends a few per second (deltas as segments come and go, requests, cancels).
   * @default 200
   */
  maxControlRate: number;
  /** Control messages a remote may send in a burst above that rate. @default 400 */
  controlBurst: number;
  /**
   * Most segments a remote may claim to hold at once (have-map plus deltas). An honest peer
   * holds its store's window, far below this.
   * @default 4096
   */
  maxRemoteHave: number;
}

export const DEFAULT_INBOUND_GUARD_CONFIG: Readonly<InboundGuardConfig> = Object.freeze({
  maxControlRate: 200,
  controlBurst: 400,
  maxRemoteHave: 4096,
});

/**
 * Why a remote was dropped although its messages were well-formed:
 * - `control-flood`: more control messages than `maxControlRate` / `controlBurst` allow;
 * - `have-overflow`: it claimed to hold more than `maxRemoteHave` segments.
 */
export type FloodErrorType = 'control-flood' | 'have-overflow';

/** A remote that sent too much. */
export class FloodError extends Error {
  override readonly name = 'FloodError';
  constructor(
    readonly type: FloodErrorType,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A token bucket over a remote's control messages. Data messages are not counted: they are
 * cheap to drop when no request of ours waits for them, and a fast transfer sends many.
 */
export class InboundGuard {
  private tokens: number;
  private last: number;

  constructor(
    private readonly config: Readonly<InboundGuardConfig>,
    private readonly now: () => number,
  ) {
    this.tokens = config.controlBurst;
    this.last = now();
  }

  /** Counts one message; returns the error when the remote is over its budget. */
  admit(message: WireMessage): FloodError | undefined {
    if (message.type === 'data') return undefined;
    const now = this.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(
      this.config.controlBurst,
      this.tokens + (elapsed / 1000) * this.config.maxControlRate,
    );
    if (this.tokens < 1) {
      return new FloodError(
        'control-flood',
        `more than ${this.config.maxControlRate} control messages/s (burst ${this.config.controlBurst})`,
      );
    }
    this.tokens -= 1;
    return undefined;
  }

  /** Returns the error when a remote claims to hold more than `maxRemoteHave` segments. */
  checkHave(size: number): FloodError | undefined {
    if (size <= this.config.maxRemoteHave) return undefined;
    return new FloodError(
      'have-overflow',
      `remote claims ${size} segments > ${this.config.maxRemoteHave}`,
    );
  }
}
