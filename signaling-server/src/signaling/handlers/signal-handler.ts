import { backlogged } from '../outgoing-backlog.js';
import { signalSchema } from '../schemas.js';
import { SignalingRequestError } from '../signaling-request-error.js';
import type { EventHandler } from './handler.js';

/**
 * `signal`: relays opaque signal data to one member of a swarm that the sender is in too.
 * Addressing by socket id keeps the relay working across server instances with an adapter
 * (for example Redis): a target not connected here is reached through it.
 */
export const signalHandler: EventHandler<typeof signalSchema, undefined> = {
  schema: signalSchema,
  ack: 'none',
  handle(ctx, socket, { swarm, to, data }) {
    const from = socket.id;
    if (!ctx.swarms.has(swarm, from)) {
      throw new SignalingRequestError('not-in-swarm', `not a member of '${swarm}'; join first`);
    }
    if (to === from || !ctx.swarms.has(swarm, to)) {
      throw new SignalingRequestError('not-in-swarm', `'${to}' is not a member of '${swarm}'`);
    }
    // A peer excluded for corrupt segments gets no new connections in this swarm.
    if (
      ctx.integrity?.reports.isExcluded(swarm, from) ||
      ctx.integrity?.reports.isExcluded(swarm, to)
    ) {
      return undefined;
    }
    const message = { swarm, from, data };
    // A local socket is written directly; one on another instance goes through the adapter.
    const local = ctx.io.sockets.sockets.get(to);
    if (local && backlogged(local)) {
      throw new SignalingRequestError('rate-limited', `'${to}' is not reading; try later`);
    }
    if (local) local.emit('signal', message);
    else ctx.io.to(to).emit('signal', message);
    return undefined;
  },
};
