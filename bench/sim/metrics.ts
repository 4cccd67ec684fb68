import type { TrafficCounters } from '../../client/src/core/rendition-session.js';
import type { SessionTrace, TimingEvent, TimingProbe } from './instrument.js';
import type { CdnCounters } from './sim-cdn.js';
import type { WireCounters } from './sim-peer.js';
import type { SimConfig } from './simulation.js';
import { regionRows, type RegionFigures } from './regions.js';
import type { PlaybackRecord, Viewer } from './viewer.js';

/** Cumulative counters at one instant; the figures are differences over the window. */
export interface Snapshot {
  counters: TrafficCounters;
  wire: WireCounters;
  cdn: CdnCounters;
  trace: SessionTrace;
  segmentsPublished: number;
}

/** What the run collects over the measurement window [w0, w1]. */
export interface WindowState {
  w0: number;
  w1: number;
  /** Segment starts each viewer had reached when the window (or its stay) began. */
  playedBase: Map<Viewer, number>;
  /** Segments played in the window, over all viewers. */
  played: number;
  /** Playback records of the viewers present at the end. */
  viewers: PlaybackRecord[];
  /** Upload bytes of each viewer present at the window's start, then. */
  uploadBase: Map<Viewer, number>;
  /** Viewers present over the whole window: upload capacity (bytes/ms) and bytes uploaded in it. */
  uploads: [capacity: number, bytes: number][];
  /** Playback records of the viewers that left during the window. */
  departedInWindow: PlaybackRecord[];
  /** Join-to-first-segment times, ms, with the join time. */
  startups: [joinedAt: number, ms: number][];
  samples: {
    n: number;
    /** Sums over the per-second samples. */
    viewers: number;
    upload: number;
    /** Sum of the mean open connections per viewer (every 10 s). */
    peers: number;
    peerSamples: number;
    /** Live latency of every started viewer, every 10 s, s. */
    latency: number[];
  };
}

/** The figures of one run. */
export interface SimResult {
  viewers: number;
  minutes: number;
  churn: number;
  upload: number;
  seed: number;
  meanViewers: number;
  /** p2p / (p2p + cdn) segment bytes. */
  offload: number;
  /** min(1 - 1/N, U / (N r)). */
  bound: number;
  offloadVsBound: number;
  continuity: number;
  stalls: number;
  playedSegments: number;
  /** Stall time / (play time + stall time). */
  rebufferRatio: number;
  joinToFirstSegmentMs: { p50: number; p95: number; n: number };
  rampStartupMs: { p50: number; p95: number; n: number };
  /** Control message bytes / all bytes between peers, %. */
  controlOverheadPct: number;
  /** Data message headers / all bytes between peers, %. */
  framingOverheadPct: number;
  controlByType: Record<string, number>;
  /** CDN requests per published segment, per neighbourhood (N / (mean peers + 1)). */
  cdnRequestsPerSegmentPerNeighbourhood: number;
  /** CDN requests per published segment, over all viewers. */
  cdnRequestsPerSegment: number;
  cdnReasons: Record<string, number>;
  cancels: Record<string, number>;
  ranges: Record<string, number>;
  peerFailures: Record<string, number>;
  /** Cut-through transfers: started, completed, failed upstream, cancelled downstream. */
  relays: Record<string, number>;
  peerRequests: number;
  /** Bytes of cancelled or failed peer transfers / p2p bytes, %. */
  wastedPct: number;
  /** Upload used / upload capacity. */
  uploadUtilization: number;
  /**
   * The viewers present over the whole window in four groups by upload capacity, slowest
   * first: mean capacity (x the bitrate), upload used / capacity, share of all bytes uploaded.
   */
  uploadByQuartile: { capacityXr: number; utilization: number; shareOfBytes: number }[];
  meanPeers: number;
  latencyS: { mean: number; p95: number };
  /**
   * When segments are requested and arrive, p10 / p50 / p90 in ms: since the segment's
   * publication, and before the viewer's deadline for it (negative: late).
   */
  timing: Record<TimingEvent, { sincePublish: number[]; deadline: number[]; n: number }>;
  wallS: number;
  events: number;
  config: SimConfig;
  /** P2P bytes within and across regions (`--regions`, bench/sim/regions.ts). */
  regions?: RegionFigures | undefined;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
}

export function summarize(input: {
  config: SimConfig;
  state: WindowState;
  start: Snapshot;
  end: Snapshot;
  rate: number;
  timing: TimingProbe;
  wallMs: number;
  events: number;
}): SimResult {
  const { config, state, start, end, rate } = input;
  const { w0, w1, samples } = state;
  const windowMs = w1 - w0;
  const c = diff(
    start.counters as unknown as Record<string, number>,
    end.counters as unknown as Record<string, number>,
  );
  const p2p = c.p2pBytes ?? 0;
  const cdn = c.cdnBytes ?? 0;
  const n = samples.viewers / Math.max(1, samples.n);
  const upload = samples.upload / Math.max(1, samples.n);
  const bound = Math.min(1 - 1 / n, upload / (n * rate));
  const offload = p2p / Math.max(1, p2p + cdn);

  let stalls = 0;
  let stallMs = 0;
  for (const r of [...state.viewers, ...state.departedInWindow]) {
    stalls += r.stallTimes.filter((t) => t >= w0 && t <= w1).length;
    for (const [a, b] of r.stallSpans) stallMs += Math.max(0, Math.min(b, w1) - Math.max(a, w0));
  }
  const played = Math.max(1, state.played);
  const playMs = played * config.source.segmentMs;

  const control = end.wire.controlBytes - start.wire.controlBytes;
  const payload = end.wire.payloadBytes - start.wire.payloadBytes;
  const headers = end.wire.headerBytes - start.wire.headerBytes;
  const peerBytes = Math.max(1, control + payload + headers);

  const segments = Math.max(1, end.segmentsPublished - start.segmentsPublished);
  const meanPeers = samples.peers / Math.max(1, samples.peerSamples);
  const cdnRequests = end.cdn.requests - start.cdn.requests;
  const perSegment = cdnRequests / segments;

  const joins = state.startups.filter(([at]) => at >= w0 && at <= w1).map(([, ms]) => ms);
  const ramp = state.startups.filter(([at]) => at < w0).map(([, ms]) => ms);
  const latencies = samples.latency;

  return {
    viewers: config.viewers,
    minutes: config.minutes,
    churn: config.churn,
    upload: config.population.uploadMean,
    seed: config.seed,
    meanViewers: n,
    offload,
    bound,
    offloadVsBound: offload / bound,
    continuity: 1 - stalls / played,
    stalls,
    playedSegments: state.played,
    rebufferRatio: stallMs / (playMs + stallMs),
    joinToFirstSegmentMs: {
      p50: percentile(joins, 50),
      p95: percentile(joins, 95),
      n: joins.length,
    },
    rampStartupMs: { p50: percentile(ramp, 50), p95: percentile(ramp, 95), n: ramp.length },
    controlOverheadPct: (100 * control) / peerBytes,
    framingOverheadPct: (100 * headers) / peerBytes,
    controlByType: diff(start.wire.controlByType, end.wire.controlByType),
    cdnRequestsPerSegmentPerNeighbourhood: perSegment / (n / (meanPeers + 1)),
    cdnRequestsPerSegment: perSegment,
    cdnReasons: diff(start.trace.cdnReasons, end.trace.cdnReasons),
    cancels: diff(start.trace.cancels, end.trace.cancels),
    ranges: diff(start.trace.ranges, end.trace.ranges),
    peerFailures: diff(start.wire.failures, end.wire.failures),
    relays: diff(start.wire.relays, end.wire.relays),
    peerRequests: end.trace.peerRequests - start.trace.peerRequests,
    wastedPct: (100 * (c.wastedBytes ?? 0)) / Math.max(1, p2p),
    uploadUtilization: (c.uploadBytes ?? 0) / Math.max(1, upload * windowMs),
    uploadByQuartile: quartiles(state.uploads, windowMs, rate),
    meanPeers,
    latencyS: {
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      p95: percentile(latencies, 95),
    },
    timing: Object.fromEntries(
      (Object.keys(input.timing.sincePublish) as TimingEvent[]).map((k) => [
        k,
        {
          sincePublish: [10, 50, 90].map((p) => percentile(input.timing.sincePublish[k], p)),
          deadline: [10, 50, 90].map((p) => percentile(input.timing.deadline[k], p)),
          n: input.timing.sincePublish[k].length,
        },
      ]),
    ) as SimResult['timing'],
    wallS: input.wallMs / 1000,
    events: input.events,
    config,
  };
}

/** {@link SimResult.uploadByQuartile} from each viewer's capacity and bytes uploaded. */
function quartiles(
  uploads: readonly [number, number][],
  windowMs: number,
  rate: number,
): SimResult['uploadByQuartile'] {
  const sorted = [...uploads].sort((a, b) => a[0] - b[0]);
  const total = Math.max(
    1,
    sorted.reduce((sum, [, bytes]) => sum + bytes, 0),
  );
  return [0, 1, 2, 3].map((q) => {
    const group = sorted.slice(
      Math.floor((q * sorted.length) / 4),
      Math.floor(((q + 1) * sorted.length) / 4),
    );
    const capacity = group.reduce((sum, [up]) => sum + up, 0);
    const bytes = group.reduce((sum, [, b]) => sum + b, 0);
    return {
      capacityXr: capacity / Math.max(1, group.length) / rate,
      utilization: bytes / Math.max(1, capacity * windowMs),
      shareOfBytes: bytes / total,
    };
  });
}

const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;
const fmtMap = (m: Record<string, number>): string =>
  Object.entries(m)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '-';

/** The figures of several runs side by side, one column per run. */
export function formatTable(results: readonly SimResult[]): string {
  const rows: [string, (r: SimResult) => string][] = [
    ['viewers (mean in window)', (r) => `${r.viewers} (${r.meanViewers.toFixed(0)})`],
    ['measured minutes', (r) => String(r.minutes)],
    ['churn /min, upload x r', (r) => `${r.churn}, ${r.upload}`],
    ['offload', (r) => pct(r.offload, 2)],
    ['fluid bound', (r) => pct(r.bound, 2)],
    ['offload / bound', (r) => pct(r.offloadVsBound, 1)],
    ['continuity index', (r) => r.continuity.toFixed(4)],
    ['stalls / segments played', (r) => `${r.stalls} / ${r.playedSegments}`],
    ['rebuffer ratio', (r) => pct(r.rebufferRatio, 3)],
    [
      'join->1st segment p50/p95',
      (r) =>
        `${r.joinToFirstSegmentMs.p50.toFixed(0)} / ${r.joinToFirstSegmentMs.p95.toFixed(0)} ms (n=${r.joinToFirstSegmentMs.n})`,
    ],
    [
      'ramp startup p50/p95',
      (r) => `${r.rampStartupMs.p50.toFixed(0)} / ${r.rampStartupMs.p95.toFixed(0)} ms`,
    ],
    ['control overhead', (r) => `${r.controlOverheadPct.toFixed(2)}%`],
    ['chunk header overhead', (r) => `${r.framingOverheadPct.toFixed(2)}%`],
    ['CDN req/segment/neighbourhood', (r) => r.cdnRequestsPerSegmentPerNeighbourhood.toFixed(2)],
    ['CDN requests / segment', (r) => r.cdnRequestsPerSegment.toFixed(1)],
    ['CDN fetch reasons', (r) => fmtMap(r.cdnReasons)],
    ['peer cancels', (r) => fmtMap(r.cancels)],
    ['CDN ranges after a peer head', (r) => fmtMap(r.ranges)],
    ['peer request failures', (r) => fmtMap(r.peerFailures)],
    ['relayed transfers', (r) => fmtMap(r.relays)],
    ['wasted / p2p bytes', (r) => `${r.wastedPct.toFixed(2)}%`],
    ['upload utilization', (r) => pct(r.uploadUtilization, 1)],
    [
      'by uplink quartile: capacity, used, share of bytes',
      (r) =>
        r.uploadByQuartile
          .map(
            (q) => `${q.capacityXr.toFixed(2)}r ${pct(q.utilization, 0)} ${pct(q.shareOfBytes, 0)}`,
          )
          .join(' · '),
    ],
    ['mean open peers', (r) => r.meanPeers.toFixed(2)],
    [
      'live latency mean/p95',
      (r) => `${r.latencyS.mean.toFixed(2)} / ${r.latencyS.p95.toFixed(2)} s`,
    ],
    ...(['peer-request', 'peer-done', 'cdn-request', 'cdn-done'] as const).map(
      (k): [string, (r: SimResult) => string] => [
        `${k} after publish / before deadline (p10 p50 p90, s)`,
        (r) => {
          const t = r.timing[k];
          const s = (xs: number[]): string => xs.map((x) => (x / 1000).toFixed(1)).join(' ');
          return `${s(t.sincePublish)} / ${s(t.deadline)}`;
        },
      ],
    ),
    ...regionRows(results),
    ['events', (r) => `${(r.events / 1e6).toFixed(1)} M`],
    ['wall time', (r) => `${r.wallS.toFixed(0)} s`],
  ];
  const cells = rows.map(([name, f]) => [name, ...results.map(f)]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(['', ...results.map((_, i) => `run ${i + 1}`)]), sep, ...cells.map(line)].join('\n');
}
