import { moreSchema } from '../schemas.js';
import { SignalingRequestError } from '../signaling-request-error.js';
import type { EventHandler } from './handler.js';

/** `more`: another random sample of the swarm, without the peers the viewer already has. */
export const moreHandler: EventHandler<typeof moreSchema, { neighbours: string[] }> = {
  schema: moreSchema,
  ack: 'required',
  async handle(ctx, socket, { swarm, exclude }) {
    if (!ctx.swarms.has(swarm, socket.id)) {
      throw new SignalingRequestError('not-in-swarm', `not a member of '${swarm}'; join first`);
    }
    const channel = await ctx.channels.get(swarm.slice(0, swarm.indexOf('/')));
    const cap = Math.min(
      channel?.maxNeighbours ?? ctx.config.signalingMaxNeighbours,
      ctx.config.signalingMaxNeighbours,
    );
    const excluded = ctx.integrity?.reports.excluded(swarm) ?? [];
    return { neighbours: ctx.swarms.neighbours(swarm, socket.id, cap, [...exclude, ...excluded]) };
  },
};
