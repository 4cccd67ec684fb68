import type { JoinAck } from '@meshcast/client/signaling';
import { channelRoom } from '../channel-room.js';
import { embedOriginAllowed, refusedOriginMessage } from '../../channels/embed-origin.js';
import { joinSchema, PEER_WIRE_VERSION } from '../schemas.js';
import { localityOf } from '../locality.js';
import { SignalingRequestError } from '../signaling-request-error.js';
import { iceServersFor } from '../turn-credentials.js';
import type { EventHandler } from './handler.js';

type JoinOk = Omit<Extract<JoinAck, { ok: true }>, 'ok'>;

/**
 * `join`: checks the channel, adds the socket to the swarm and answers with a random sample
 * of the other members. Joining a swarm twice is harmless and gives a fresh sample.
 */
export const joinHandler: EventHandler<typeof joinSchema, JoinOk | undefined> = {
  schema: joinSchema,
  ack: 'required',
  async handle(ctx, socket, { channel: channelId, rendition, wire }) {
    if (wire !== undefined && wire !== PEER_WIRE_VERSION) {
      throw new SignalingRequestError(
        'unsupported-wire',
        `this player speaks peer protocol ${wire}, this server pairs protocol ${PEER_WIRE_VERSION}: reload the page for the current player`,
      );
    }
    const channel = await ctx.channels.get(channelId);
    if (!channel) throw new SignalingRequestError('unknown-channel', `no channel '${channelId}'`);
    if (!channel.enabled) {
      throw new SignalingRequestError('channel-disabled', `channel '${channelId}' is disabled`);
    }
    const origin = socket.handshake.headers.origin;
    if (!embedOriginAllowed(channel.allowedOrigins, origin, socket.handshake.headers.host)) {
      throw new SignalingRequestError(
        'origin-not-allowed',
        refusedOriginMessage(channel.name, origin),
      );
    }
    if (!channel.p2pEnabled) {
      throw new SignalingRequestError(
        'p2p-disabled',
        `channel '${channelId}' plays from the CDN only`,
      );
    }
    // The socket may have gone while the registry answered: never add a dead member.
    if (!socket.connected) return undefined;
    const swarm = `${channelId}/${rendition}`;
    const peerId = socket.id;
    const mine = ctx.swarms.swarmsOf(peerId);
    if (!mine.includes(swarm) && mine.length >= ctx.maxSwarmsPerSocket) {
      throw new SignalingRequestError(
        'too-many-swarms',
        `a connection may be in ${ctx.maxSwarmsPerSocket} swarms at most; leave one first`,
      );
    }
    const count = Math.min(channel.maxNeighbours, ctx.config.signalingMaxNeighbours);
    const excluded = ctx.integrity?.reports.excluded(swarm);
    const locality = localityOf(socket.handshake, ctx.config);
    const neighbours = ctx.swarms.neighbours(swarm, peerId, count, excluded, locality);
    ctx.swarms.add(swarm, peerId, locality);
    socket.data.swarms = ctx.swarms.swarmsOf(peerId);
    await socket.join(channelRoom(channelId));
    // Before the answer: the joiner knows the hashes before any peer can send it bytes.
    await ctx.integrity?.joined(socket, swarm);
    ctx.logger.debug({ peerId, swarm, neighbours: neighbours.length }, 'signaling join');
    return {
      peerId,
      swarm,
      neighbours,
      ice: {
        iceServers: iceServersFor(ctx.config, peerId, Date.now()),
        candidateFilter: ctx.config.iceCandidateFilter,
      },
    };
  },
};
