import type { ChannelQoe, ChannelQoePoint } from '@meshcast/client/signaling';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { QoeAggregator, QoeSnapshot } from '../qoe/qoe-aggregator.js';
import type { QoeView } from '../qoe/qoe-view.js';
import { qoeReportSchema } from '../qoe/report-schema.js';
import { mergeCurrent, mergeHistories } from './merge-qoe.js';

/** Settings of {@link ClusterQoe}. */
export interface ClusterQoeConfig {
  /**
   * How often this server publishes each channel's snapshot; a snapshot lives three times
   * this, so a stopped server's viewers leave the merged figures soon after. @default 2000
   */
  publishMs: number;
  /** Prefix of every key. @default 'meshcast:' */
  keyPrefix: string;
}

export const DEFAULT_CLUSTER_QOE_CONFIG: ClusterQoeConfig = {
  publishMs: 2000,
  keyPrefix: 'meshcast:',
};

export interface ClusterQoeOptions {
  aggregator: Pick<QoeAggregator, 'snapshot' | 'history' | 'channelIds' | 'config'>;
  client: Redis;
  /** This server's id (the swarm directory's). */
  nodeId: string;
  /** Ids of the servers alive now, this one included. */
  servers: () => Promise<string[]>;
  config?: Partial<ClusterQoeConfig>;
  /** Publishing failures. @default ignored */
  onError?: (err: unknown) => void;
}

/** Thrown for a bad configuration. */
export class ClusterQoeConfigError extends Error {
  readonly type = 'cluster-qoe-config' as const;
}

const snapshotSchema = z.object({
  live: z.array(z.object({ report: qoeReportSchema, seenAt: z.number() })),
  rates: z.object({ cdnBytesPerSec: z.number(), p2pBytesPerSec: z.number() }),
});
const historySchema = z.array(z.looseObject({ t: z.number(), viewers: z.number() }));

/**
 * Channel-wide QoE over every server on one Redis. Each server publishes, per channel, its
 * live viewers' latest reports and its throughput (and its history when a point was added)
 * under keys that expire; a stats request merges this server's fresh figures with the
 * other live servers' snapshots, so any server answers for the whole channel.
 */
export class ClusterQoe implements QoeView {
  readonly settings: ClusterQoeConfig;
  private readonly o: ClusterQoeOptions;
  private readonly timer: NodeJS.Timeout;
  private readonly lastPointAt = new Map<string, number>();
  private publishing: Promise<void> | undefined;
  private destroyed = false;

  constructor(options: ClusterQoeOptions) {
    this.o = options;
    this.settings = { ...DEFAULT_CLUSTER_QOE_CONFIG, ...options.config };
    if (!Number.isInteger(this.settings.publishMs) || this.settings.publishMs < 100) {
      throw new ClusterQoeConfigError(`publishMs must be an integer >= 100`);
    }
    this.timer = setInterval(() => {
      this.publish().catch(options.onError ?? (() => undefined));
    }, this.settings.publishMs);
    this.timer.unref();
  }

  get config(): QoeView['config'] {
    return this.o.aggregator.config;
  }

  /** Writes this server's snapshot of every channel it has figures for. */
  publish(): Promise<void> {
    this.publishing ??= (async () => {
      const { aggregator, client, nodeId } = this.o;
      const ttl = 3 * this.settings.publishMs;
      const batch = client.multi();
      for (const channel of aggregator.channelIds()) {
        batch.set(
          this.key('live', channel, nodeId),
          JSON.stringify(aggregator.snapshot(channel)),
          'PX',
          ttl,
        );
        const history = aggregator.history(channel);
        const last = history.at(-1)?.t;
        const historyKey = this.key('history', channel, nodeId);
        if (last !== undefined && last !== this.lastPointAt.get(channel)) {
          batch.set(historyKey, JSON.stringify(history), 'PX', ttl);
          this.lastPointAt.set(channel, last);
        } else {
          batch.pexpire(historyKey, ttl);
        }
      }
      if (!this.destroyed) await batch.exec();
    })().finally(() => {
      this.publishing = undefined;
    });
    return this.publishing;
  }

  async current(channel: string): Promise<ChannelQoe> {
    const others = await this.others(channel, 'live');
    const snapshots: QoeSnapshot[] = [this.o.aggregator.snapshot(channel)];
    for (const text of others) {
      const parsed = snapshotSchema.safeParse(parseJson(text));
      if (parsed.success) snapshots.push(parsed.data);
    }
    return mergeCurrent(snapshots);
  }

  async history(channel: string): Promise<ChannelQoePoint[]> {
    const others = await this.others(channel, 'history');
    const histories: ChannelQoePoint[][] = [this.o.aggregator.history(channel)];
    for (const text of others) {
      const parsed = historySchema.safeParse(parseJson(text));
      // Our own servers wrote these points: the shape check guards against old versions.
      if (parsed.success) histories.push(parsed.data as unknown as ChannelQoePoint[]);
    }
    return mergeHistories(histories, this.config.sampleIntervalMs);
  }

  /** Stops publishing; safe to call twice. Published keys expire by themselves. */
  destroy(): void {
    this.destroyed = true;
    clearInterval(this.timer);
  }

  private async others(channel: string, kind: 'live' | 'history'): Promise<string[]> {
    const servers = (await this.o.servers()).filter((n) => n !== this.o.nodeId);
    if (servers.length === 0) return [];
    const values = await this.o.client.mget(servers.map((n) => this.key(kind, channel, n)));
    return values.filter((v): v is string => v !== null);
  }

  private key(kind: 'live' | 'history', channel: string, node: string): string {
    return `${this.settings.keyPrefix}qoe-${kind}:${channel}:${node}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
