import type { ChannelQoe } from '@meshcast/client/signaling';
import { Counter, Gauge, Registry } from 'prom-client';
import type { QoeAggregator } from './qoe-aggregator.js';

/** Why a report was refused, as the `reason` label. */
export type ReportRejection =
  'invalid' | 'unknown-channel' | 'channel-disabled' | 'too-many-sessions';

/** Signaling counts sampled at scrape time. */
export interface SignalingGaugeSource {
  stats(): { sockets: number; swarms: number; members: number };
}

/** The Prometheus registry of one server and the one counter that code increments. */
export interface QoeMetrics {
  readonly registry: Registry;
  /** Counts a refused report. */
  rejected(reason: ReportRejection): void;
}

type Figure = keyof Omit<ChannelQoe, 'renditions'>;

/**
 * Prometheus metrics over the aggregator (per-channel gauges and counters, read at scrape
 * time, so nothing runs between scrapes) and the signaling counts. Each server has its own
 * registry: several servers in one process (tests) do not collide.
 */
export function createQoeMetrics(qoe: QoeAggregator, signaling?: SignalingGaugeSource): QoeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const figures = (): [string, ChannelQoe][] => qoe.channelIds().map((c) => [c, qoe.current(c)]);

  const perChannel = (name: string, help: string, figure: Figure): void => {
    new Gauge({
      name,
      help,
      labelNames: ['channel'],
      registers,
      collect() {
        this.reset();
        for (const [channel, f] of figures()) {
          const v = f[figure];
          if (v !== null) this.set({ channel }, v);
        }
      },
    });
  };
  perChannel('meshcast_viewers', 'Live viewers (reported in the last 15 s)', 'viewers');
  perChannel('meshcast_offload_ratio', 'P2P share of media bytes of live viewers', 'offload');
  perChannel('meshcast_continuity_index', 'Segments on time / segments played', 'continuityIndex');
  perChannel('meshcast_rebuffer_ratio', 'Stall time / (play + stall time)', 'rebufferRatio');
  perChannel('meshcast_peers_per_viewer', 'Mean connected peers per viewer', 'peersPerViewer');

  const quantiles = (name: string, help: string, entries: [Figure, string, number][]): void => {
    new Gauge({
      name,
      help,
      labelNames: ['channel', 'quantile'],
      registers,
      collect() {
        this.reset();
        for (const [channel, f] of figures()) {
          for (const [figure, quantile, scale] of entries) {
            const v = f[figure];
            if (v !== null) this.set({ channel, quantile }, v * scale);
          }
        }
      },
    });
  };
  quantiles('meshcast_startup_seconds', 'Startup time (created -> first frame) of live viewers', [
    ['startupMsP50', '0.5', 1 / 1000],
    ['startupMsP95', '0.95', 1 / 1000],
  ]);
  quantiles(
    'meshcast_live_latency_seconds',
    'Live latency (live edge - playhead) of live viewers',
    [['latencySecP50', '0.5', 1]],
  );

  new Gauge({
    name: 'meshcast_throughput_bytes_per_second',
    help: 'Media bytes per second over the last 10 s interval, by source',
    labelNames: ['channel', 'source'],
    registers,
    collect() {
      this.reset();
      for (const [channel, f] of figures()) {
        this.set({ channel, source: 'cdn' }, f.cdnBytesPerSec);
        this.set({ channel, source: 'p2p' }, f.p2pBytesPerSec);
      }
    },
  });

  const total = (
    name: string,
    help: string,
    pick: (c: string) => [Record<string, string>, number][],
  ): void => {
    new Counter({
      name,
      help,
      labelNames: name === 'meshcast_media_bytes_total' ? ['channel', 'source'] : ['channel'],
      registers,
      collect() {
        this.reset();
        for (const channel of qoe.channelIds()) {
          for (const [labels, value] of pick(channel)) this.inc({ channel, ...labels }, value);
        }
      },
    });
  };
  const t = (c: string) => qoe.totals(c);
  total('meshcast_qoe_reports_total', 'Player reports accepted', (c) => [[{}, t(c)?.reports ?? 0]]);
  total('meshcast_media_bytes_total', 'Media bytes viewers took, by source', (c) => [
    [{ source: 'cdn' }, t(c)?.cdnBytes ?? 0],
    [{ source: 'p2p' }, t(c)?.p2pBytes ?? 0],
  ]);
  total('meshcast_upload_bytes_total', 'Media bytes viewers sent to peers', (c) => [
    [{}, t(c)?.uploadBytes ?? 0],
  ]);
  total('meshcast_stalls_total', 'Playback stalls', (c) => [[{}, t(c)?.stalls ?? 0]]);
  total('meshcast_stall_seconds_total', 'Time spent stalled', (c) => [
    [{}, (t(c)?.stallMs ?? 0) / 1000],
  ]);

  const rejectedCounter = new Counter({
    name: 'meshcast_qoe_reports_rejected_total',
    help: 'Player reports refused, by reason',
    labelNames: ['reason'],
    registers,
  });

  if (signaling) {
    const keys = ['sockets', 'swarms', 'members'] as const;
    for (const key of keys) {
      new Gauge({
        name: `meshcast_signaling_${key}`,
        help: `Signaling ${key} in this server`,
        registers,
        collect() {
          this.set(signaling.stats()[key]);
        },
      });
    }
  }

  return {
    registry,
    rejected: (reason) => {
      rejectedCounter.inc({ reason });
    },
  };
}
