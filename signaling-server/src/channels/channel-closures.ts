import type { ChannelDisabledReason } from '@meshcast/client/signaling';
import type { Logger } from '../logger.js';
import type { QoeAggregator } from '../qoe/qoe-aggregator.js';
import type { Signaling } from '../signaling/attach-signaling.js';
import type { ChannelChange, ChannelRegistry } from './channel-registry.js';

/**
 * Why current viewers must leave after `change`, if they must: the channel was deleted or
 * disabled, or its P2P was switched off (then they go on from the CDN).
 */
export function closureReason(change: ChannelChange): ChannelDisabledReason | undefined {
  if (change.kind === 'deleted') return 'deleted';
  if (change.kind !== 'updated') return undefined;
  if (change.before.enabled && !change.after.enabled) return 'disabled';
  if (change.after.enabled && change.before.p2pEnabled && !change.after.p2pEnabled) {
    return 'p2p-disabled';
  }
  return undefined;
}

/**
 * Connects registry writes to the viewers: a deleted or disabled channel's viewers in this
 * server are told and removed from its swarms (with Redis, every server hears every write);
 * a deleted channel's QoE is forgotten. Returns the unwatch function.
 */
export function watchChannelClosures(
  registry: Pick<ChannelRegistry, 'watch'>,
  signaling: Pick<Signaling, 'closeChannel'>,
  qoe: Pick<QoeAggregator, 'forget'>,
  logger: Logger,
): () => void {
  return registry.watch((change) => {
    const reason = closureReason(change);
    if (reason === undefined) return;
    const told = signaling.closeChannel(change.id, reason);
    if (reason === 'deleted') qoe.forget(change.id);
    logger.info({ channel: change.id, reason, told }, 'channel closed to viewers');
  });
}
