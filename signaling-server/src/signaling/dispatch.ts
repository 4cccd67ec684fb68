import type { ClientToServerEvents, SignalingErrorInfo } from '@meshcast/client/signaling';
import type { ServerConfig } from '../config.js';
import { describeIssues } from './schemas.js';
import { SignalingRequestError } from './signaling-request-error.js';
import { TokenBucket, validateTokenBucket } from './token-bucket.js';
import type { EventHandler, SignalingContext, SignalingSocket } from './handlers/handler.js';

/** The handler registry: one entry per client event. */
export type HandlerMap = Record<keyof ClientToServerEvents, EventHandler>;

/** Requests of one socket waiting in its queue before new ones are refused. */
export const MAX_PENDING_REQUESTS = 32;

/** The part of the server configuration that the dispatcher reads: per-connection rates. */
export type DispatchConfig = Pick<
  ServerConfig,
  'signalingJoinRate' | 'signalingJoinBurst' | 'signalingRelayRate' | 'signalingRelayBurst'
>;

type Ack = (result: unknown) => void;
type Bucket = 'join' | 'relay';

/** Which bucket each event draws from; the others are cheap and bounded elsewhere. */
const BUCKET_OF: Partial<Record<string, Bucket>> = { join: 'join', more: 'join', signal: 'relay' };

/** A socket is told it is rate-limited at most this often (the refusals go on silently). */
const RATE_LIMITED_NOTICE_MS = 1000;

/** What the dispatcher keeps per socket: a few numbers, two buckets, at most one promise. */
interface SocketState {
  pending: number;
  tail: Promise<void> | undefined;
  join: TokenBucket;
  relay: TokenBucket;
  /** When the socket was last told `rate-limited` without a callback; -Infinity if never. */
  noticeAt: number;
}

/**
 * Wires sockets to the handlers. Everything a client sends is untrusted: payloads are
 * validated, joins and relays are rate-limited per socket (token buckets), each socket's
 * requests run one at a time in arrival order (a `leave` cannot overtake the `join` before
 * it), and every failure becomes data for the client; nothing thrown here can crash the
 * process or leave an unhandled rejection.
 *
 * One listener function serves every socket and a request that completes synchronously (a
 * relay, a leave) allocates no promise: with ten thousand sockets, per-socket closures and
 * queues were a measurable share of the server's memory and CPU.
 */
export class Dispatcher {
  private readonly states = new WeakMap<SignalingSocket, SocketState>();
  private readonly join;
  private readonly relay;
  private readonly listener: (this: SignalingSocket, event: unknown, ...args: unknown[]) => void;

  /** @param now milliseconds, monotonic. @default performance.now */
  constructor(
    private readonly ctx: SignalingContext,
    private readonly handlers: HandlerMap,
    config: DispatchConfig,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.join = validateTokenBucket('join', {
      ratePerSec: config.signalingJoinRate,
      burst: config.signalingJoinBurst,
    });
    this.relay = validateTokenBucket('relay', {
      ratePerSec: config.signalingRelayRate,
      burst: config.signalingRelayBurst,
    });
    const dispatch = (socket: SignalingSocket, event: unknown, args: unknown[]): void => {
      this.dispatch(socket, event, args);
    };
    // socket.io calls "any" listeners with the socket as `this`.
    this.listener = function (this: SignalingSocket, event: unknown, ...args: unknown[]): void {
      dispatch(this, event, args);
    };
  }

  /** Starts handling a new socket's events. */
  bind(socket: SignalingSocket): void {
    const t = this.now();
    this.states.set(socket, {
      pending: 0,
      tail: undefined,
      join: new TokenBucket(this.join, t),
      relay: new TokenBucket(this.relay, t),
      noticeAt: -Infinity,
    });
    socket.onAny(this.listener);
  }

  private dispatch(socket: SignalingSocket, event: unknown, args: unknown[]): void {
    const state = this.states.get(socket);
    if (!state) return;
    if (typeof event !== 'string' || !Object.hasOwn(this.handlers, event)) {
      // Junk costs a relay token: a flood of it cannot make the server flood errors back.
      if (!state.relay.take(this.now())) return;
      socket.emit('error', {
        code: 'unknown-event',
        message: `unknown event '${String(event).slice(0, 64)}'`,
      });
      return;
    }
    const name = event as keyof ClientToServerEvents;
    const handler = this.handlers[name];
    const last = args.length > 1 ? args[args.length - 1] : undefined;
    const ack = handler.ack !== 'none' && typeof last === 'function' ? (last as Ack) : undefined;
    if (handler.ack === 'required' && !ack) {
      this.violation(socket, state, name, `${name} needs a callback`, ack);
      return;
    }
    const parsed = handler.schema.safeParse(args[0]);
    if (!parsed.success) {
      this.violation(socket, state, name, describeIssues(parsed.error), ack);
      return;
    }
    const bucket = BUCKET_OF[name];
    if (bucket !== undefined && !state[bucket].take(this.now())) {
      this.limited(socket, state, name, `too many ${name} requests; slow down`, ack);
      return;
    }
    if (state.pending >= MAX_PENDING_REQUESTS) {
      this.limited(socket, state, name, 'too many requests', ack);
      return;
    }
    const run = (): Promise<void> | undefined =>
      this.execute(socket, name, handler, parsed.data, ack);
    const done = (): void => {
      if (--state.pending === 0) state.tail = undefined;
    };
    if (state.pending === 0) {
      const running = run();
      if (running === undefined) return;
      state.pending++;
      state.tail = running.finally(done);
    } else {
      state.pending++;
      state.tail = (state.tail ?? Promise.resolve()).then(run).finally(done);
    }
  }

  /**
   * Runs one request: undefined when it finished synchronously, else a promise that never
   * rejects.
   */
  private execute(
    socket: SignalingSocket,
    event: keyof ClientToServerEvents,
    handler: EventHandler,
    payload: unknown,
    ack: Ack | undefined,
  ): Promise<void> | undefined {
    if (socket.disconnected) return undefined;
    try {
      const result = handler.handle(this.ctx, socket, payload);
      if (!(result instanceof Promise)) {
        if (ack && result !== undefined) ack({ ok: true, ...result });
        return undefined;
      }
      return result
        .then(
          (value) => {
            if (ack && value !== undefined) ack({ ok: true, ...value });
          },
          (err: unknown) => {
            this.failed(socket, event, err, ack);
          },
        )
        .catch((err: unknown) => {
          this.ctx.logger.error({ err, event }, 'signaling reply failed');
        });
    } catch (err) {
      this.failed(socket, event, err, ack);
      return undefined;
    }
  }

  private failed(socket: SignalingSocket, event: string, err: unknown, ack: Ack | undefined): void {
    if (err instanceof SignalingRequestError) {
      this.refuse(socket, event, err, ack);
      return;
    }
    this.ctx.logger.error({ err, event, peerId: socket.id }, 'signaling handler failed');
    this.refuse(socket, event, new SignalingRequestError('internal', 'server error'), ack);
  }

  /** A malformed request: refused (with an `error` event too) while relay tokens last. */
  private violation(
    socket: SignalingSocket,
    state: SocketState,
    event: string,
    message: string,
    ack: Ack | undefined,
  ): void {
    // Past the budget, junk is dropped unanswered: a flood gets no flood back.
    if (!state.relay.take(this.now())) return;
    this.refuse(socket, event, new SignalingRequestError('bad-request', message), ack);
  }

  /** A refused rate: the callback always hears it, the `error` event once a second at most. */
  private limited(
    socket: SignalingSocket,
    state: SocketState,
    event: string,
    message: string,
    ack: Ack | undefined,
  ): void {
    const info: SignalingErrorInfo = { code: 'rate-limited', message, event };
    const t = this.now();
    if (t - state.noticeAt >= RATE_LIMITED_NOTICE_MS) {
      state.noticeAt = t;
      socket.emit('error', info);
    }
    ack?.({ ok: false, error: info });
  }

  // Protocol violations get an `error` event even when a callback carries the refusal too;
  // refusals of a valid request go to the callback when there is one.
  private refuse(
    socket: SignalingSocket,
    event: string,
    err: SignalingRequestError,
    ack: Ack | undefined,
  ): void {
    const info = err.toInfo(event);
    if (!ack || err.code === 'bad-request' || err.code === 'rate-limited') {
      socket.emit('error', info);
    }
    ack?.({ ok: false, error: info });
  }
}
