import type { PeerReport } from '@meshcast/client/signaling';
import { z } from 'zod';
import { SWARM_ID_RE } from '../schemas.js';
import { SignalingRequestError } from '../signaling-request-error.js';
import type { EventHandler } from './handler.js';

export const reportPeerSchema = z.strictObject({
  swarm: z.string().regex(SWARM_ID_RE, 'not a swarm id (channel/rendition)'),
  peer: z.string().min(1).max(64),
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
}) satisfies z.ZodType<PeerReport>;

/**
 * `report-peer`: a member of a swarm says another member sent it a segment that failed
 * verification. Both must be members now; a reporter counts once per reported peer. Once
 * enough distinct members reported a peer, the server stops offering it as a neighbour and
 * relaying its signals in that swarm (see PeerReports).
 */
export const reportPeerHandler: EventHandler<typeof reportPeerSchema, object> = {
  schema: reportPeerSchema,
  ack: 'optional',
  handle(ctx, socket, { swarm, peer, seq }) {
    if (!ctx.integrity) throw new SignalingRequestError('internal', 'segment integrity is off');
    if (!ctx.swarms.has(swarm, socket.id)) {
      throw new SignalingRequestError('not-in-swarm', `not a member of '${swarm}'; join first`);
    }
    if (peer === socket.id || !ctx.swarms.has(swarm, peer)) {
      throw new SignalingRequestError('not-in-swarm', `'${peer}' is not a member of '${swarm}'`);
    }
    const { reporters, excluded } = ctx.integrity.report(swarm, socket.id, peer);
    ctx.logger.info(
      { swarm, peer, seq, reporter: socket.id, reporters, excluded },
      'peer reported',
    );
    return {};
  },
};
