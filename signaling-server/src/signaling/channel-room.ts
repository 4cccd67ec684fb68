import type { ChannelDisabledReason } from '@meshcast/client/signaling';
import type { SignalingServer } from './handlers/handler.js';
import type { SwarmDirectory } from './swarm-directory.js';

/**
 * The socket.io room of a channel's viewers: sockets that joined one of its swarms or
 * reported for it on this connection. It is how they are told when the channel goes away.
 */
export function channelRoom(channel: string): string {
  return `channel:${channel}`;
}

/**
 * Tells this server's viewers of `channel` (`channel-disabled`) and removes them from the
 * channel's swarms and room. Returns how many sockets were told.
 */
export function closeChannel(
  io: SignalingServer,
  swarms: SwarmDirectory,
  channel: string,
  reason: ChannelDisabledReason,
): number {
  const room = channelRoom(channel);
  const members = [...(io.of('/').adapter.rooms.get(room) ?? [])];
  if (members.length === 0) return 0;
  io.local.to(room).emit('channel-disabled', { channel, reason });
  const prefix = `${channel}/`;
  for (const peerId of members) {
    for (const swarm of swarms.swarmsOf(peerId)) {
      if (swarm.startsWith(prefix)) swarms.remove(swarm, peerId);
    }
    const socket = io.of('/').sockets.get(peerId);
    if (socket) socket.data.swarms = swarms.swarmsOf(peerId);
  }
  io.local.socketsLeave(room);
  return members.length;
}
