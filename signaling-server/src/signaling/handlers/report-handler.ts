import type { SignalingErrorCode } from '@meshcast/client/signaling';
import { z } from 'zod';
import type { ReportRejection } from '../../qoe/qoe-metrics.js';
import { channelRoom } from '../channel-room.js';
import { SignalingRequestError } from '../signaling-request-error.js';
import type { EventHandler } from './handler.js';

const CODES: Record<ReportRejection, SignalingErrorCode> = {
  invalid: 'bad-request',
  'unknown-channel': 'unknown-channel',
  'channel-disabled': 'channel-disabled',
  'too-many-sessions': 'rate-limited',
};

/**
 * `report`: a player's QoE report. The payload is validated by the QoE intake (which counts
 * refusals for /metrics), not by the dispatcher. A viewer need not be in a swarm: CDN-only
 * viewers (P2P off) report too. Reporting puts the socket in the channel's room, so it hears
 * `channel-disabled`.
 */
export const reportHandler: EventHandler<z.ZodUnknown> = {
  schema: z.unknown(),
  ack: 'optional',
  async handle(ctx, socket, payload) {
    if (!ctx.reports) throw new SignalingRequestError('internal', 'reports are not collected here');
    const result = await ctx.reports.accept(payload);
    if (!result.ok) throw new SignalingRequestError(CODES[result.reason], result.message);
    if (!socket.connected) return undefined;
    await socket.join(channelRoom(result.report.channel));
    return {};
  },
};
