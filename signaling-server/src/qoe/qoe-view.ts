import type { ChannelQoe, ChannelQoePoint } from '@meshcast/client/signaling';
import type { QoeAggregatorConfig } from './qoe-config.js';

/**
 * Where the stats route reads a channel's figures: this server's {@link QoeAggregator}
 * alone, or every server's merged (`scale/cluster-qoe.ts`) when they share a Redis.
 */
export interface QoeView {
  readonly config: Pick<QoeAggregatorConfig, 'sampleIntervalMs'>;
  /** The figures of a channel now. */
  current(channel: string): ChannelQoe | Promise<ChannelQoe>;
  /** A channel's history, oldest first. */
  history(channel: string): ChannelQoePoint[] | Promise<ChannelQoePoint[]>;
}
