import { leaveSchema } from '../schemas.js';
import type { EventHandler } from './handler.js';

/** `leave`: drops the socket from one swarm; leaving a swarm one is not in is not an error. */
export const leaveHandler: EventHandler<typeof leaveSchema, object> = {
  schema: leaveSchema,
  ack: 'optional',
  handle(ctx, socket, { swarm }) {
    ctx.swarms.remove(swarm, socket.id);
    ctx.integrity?.left(socket, swarm);
    socket.data.swarms = ctx.swarms.swarmsOf(socket.id);
    return {};
  },
};
