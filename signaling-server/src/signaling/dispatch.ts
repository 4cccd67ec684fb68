import type { ClientToServerEvents, SignalingErrorInfo } from '@meshcast/client/signaling';
import { describeIssues } from './schemas.js';
import { SignalingRequestError } from './signaling-request-error.js';
import type { EventHandler, SignalingContext, SignalingSocket } from './handlers/handler.js';

/** The handler registry: one entry per client event. */
export type HandlerMap = Record<keyof ClientToServerEvents, EventHandler>;

/** Requests of one socket waiting in its queue before new ones are refused. */
export const MAX_PENDING_REQUESTS = 32;

type Ack = (result: unknown) => void;

/**
 * Wires a socket to the handlers. Everything the client sends is untrusted: payloads are
 * validated, each socket's requests run one at a time in arrival order (a `leave` cannot
 * overtake the `join` before it), and every failure becomes data for the client; nothing
 * thrown here can crash the process or leave an unhandled rejection.
 */
export function bindHandlers(
  ctx: SignalingContext,
  socket: SignalingSocket,
  handlers: HandlerMap,
): void {
  let queue = Promise.resolve();
  let pending = 0;

  // Protocol violations get an `error` event even when a callback carries the refusal too;
  // refusals of a valid request go to the callback when there is one.
  const refuse = (event: string, err: SignalingRequestError, ack: Ack | undefined): void => {
    const info: SignalingErrorInfo = err.toInfo(event);
    if (!ack || err.code === 'bad-request' || err.code === 'rate-limited') {
      socket.emit('error', info);
    }
    ack?.({ ok: false, error: info });
  };

  const dispatch = (event: keyof ClientToServerEvents, args: unknown[]): void => {
    const handler = handlers[event];
    const last = args.length > 1 ? args[args.length - 1] : undefined;
    const ack = handler.ack !== 'none' && typeof last === 'function' ? (last as Ack) : undefined;
    if (handler.ack === 'required' && !ack) {
      refuse(event, new SignalingRequestError('bad-request', `${event} needs a callback`), ack);
      return;
    }
    const parsed = handler.schema.safeParse(args[0]);
    if (!parsed.success) {
      refuse(event, new SignalingRequestError('bad-request', describeIssues(parsed.error)), ack);
      return;
    }
    if (pending >= MAX_PENDING_REQUESTS) {
      refuse(event, new SignalingRequestError('rate-limited', 'too many requests'), ack);
      return;
    }
    pending++;
    queue = queue
      .then(async () => {
        if (socket.disconnected) return;
        try {
          const result = await handler.handle(ctx, socket, parsed.data);
          if (ack && result !== undefined) ack({ ok: true, ...result });
        } catch (err) {
          if (err instanceof SignalingRequestError) {
            refuse(event, err, ack);
          } else {
            ctx.logger.error({ err, event, peerId: socket.id }, 'signaling handler failed');
            refuse(event, new SignalingRequestError('internal', 'server error'), ack);
          }
        }
      })
      .catch((err: unknown) => {
        ctx.logger.error({ err, event }, 'signaling reply failed');
      })
      .finally(() => {
        pending--;
      });
  };

  for (const event of Object.keys(handlers) as (keyof ClientToServerEvents)[]) {
    socket.on(event, (...args: unknown[]) => {
      dispatch(event, args);
    });
  }
  socket.onAny((event: unknown) => {
    if (typeof event === 'string' && Object.hasOwn(handlers, event)) return;
    socket.emit('error', {
      code: 'unknown-event',
      message: `unknown event '${String(event).slice(0, 64)}'`,
    });
  });
}
