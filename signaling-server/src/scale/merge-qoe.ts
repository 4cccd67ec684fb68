import type { ChannelQoe, ChannelQoePoint } from '@meshcast/client/signaling';
import { channelFigures, roundTo } from '../qoe/channel-figures.js';
import type { LiveSession, QoeSnapshot } from '../qoe/qoe-aggregator.js';

/**
 * A channel's current figures over several servers' snapshots, as if one server had heard
 * every report: a session heard by two servers (its viewer moved) counts once, with its
 * newest report; throughput adds up.
 */
export function mergeCurrent(snapshots: readonly QoeSnapshot[]): ChannelQoe {
  const sessions = new Map<string, LiveSession>();
  let cdnBytesPerSec = 0;
  let p2pBytesPerSec = 0;
  for (const snapshot of snapshots) {
    cdnBytesPerSec += snapshot.rates.cdnBytesPerSec;
    p2pBytesPerSec += snapshot.rates.p2pBytesPerSec;
    for (const s of snapshot.live) {
      const seen = sessions.get(s.report.sessionId);
      if (!seen || s.seenAt > seen.seenAt) sessions.set(s.report.sessionId, s);
    }
  }
  const reports = [...sessions.values()].map((s) => s.report);
  return channelFigures(reports, { cdnBytesPerSec, p2pBytesPerSec });
}

type Weighted = 'offload' | 'continuityIndex' | 'rebufferRatio' | 'peersPerViewer';
type Percentile = 'startupMsP50' | 'startupMsP95' | 'latencySecP50';
const WEIGHTED: readonly (Weighted | Percentile)[] = [
  'offload',
  'continuityIndex',
  'rebufferRatio',
  'peersPerViewer',
  'startupMsP50',
  'startupMsP95',
  'latencySecP50',
];

/**
 * Several servers' histories of one channel as one: points fall in buckets of `intervalMs`
 * (each server samples on its own timer); within a bucket viewers, renditions and
 * throughput add up, and ratios and percentiles are averaged weighted by viewers (exact for
 * the ratios only when servers' viewers are alike; the history is a trend, `current` is exact).
 */
export function mergeHistories(
  histories: readonly (readonly ChannelQoePoint[])[],
  intervalMs: number,
): ChannelQoePoint[] {
  const nonEmpty = histories.filter((h) => h.length > 0);
  if (nonEmpty.length === 1) return [...(nonEmpty[0] ?? [])];
  const buckets = new Map<number, ChannelQoePoint[]>();
  for (const history of nonEmpty) {
    for (const point of history) {
      const key = Math.round(point.t / intervalMs);
      const bucket = buckets.get(key);
      if (bucket) bucket.push(point);
      else buckets.set(key, [point]);
    }
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([, points]) => mergePoints(points));
}

function mergePoints(points: readonly ChannelQoePoint[]): ChannelQoePoint {
  // Start from the figures of no viewers (zeros and nulls), then add the servers' points.
  const merged: ChannelQoePoint = {
    t: Math.max(...points.map((p) => p.t)),
    ...channelFigures([], { cdnBytesPerSec: 0, p2pBytesPerSec: 0 }),
  };
  for (const p of points) {
    merged.viewers += p.viewers;
    merged.cdnBytesPerSec += p.cdnBytesPerSec;
    merged.p2pBytesPerSec += p.p2pBytesPerSec;
    for (const [name, n] of Object.entries(p.renditions)) {
      merged.renditions[name] = (merged.renditions[name] ?? 0) + n;
    }
  }
  for (const key of WEIGHTED) {
    let sum = 0;
    let weight = 0;
    for (const p of points) {
      const value = p[key];
      if (value === null) continue;
      // A server whose point has no viewers still carries a figure: give it a small weight.
      const w = Math.max(p.viewers, 1e-6);
      sum += value * w;
      weight += w;
    }
    merged[key] = weight > 0 ? roundTo(sum / weight, 10_000) : null;
  }
  return merged;
}
