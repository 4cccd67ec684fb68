import type { ChannelQoe, QoeReport } from '@meshcast/client/signaling';

/** Media bytes per second over the last sample interval. */
export interface ChannelRates {
  cdnBytesPerSec: number;
  p2pBytesPerSec: number;
}

/**
 * A channel's figures from the latest report of each live viewer (pure). Ratios weigh every
 * viewer by its own amounts (bytes, segments, time), as the shared definitions say: offload
 * = Σp2p / (Σp2p + Σcdn), continuity = ΣonTime / Σplayed, rebuffer = Σstall / (Σplay + Σstall).
 */
export function channelFigures(reports: readonly QoeReport[], rates: ChannelRates): ChannelQoe {
  const renditions: Record<string, number> = {};
  let p2p = 0;
  let cdn = 0;
  let played = 0;
  let onTime = 0;
  let stallMs = 0;
  let playMs = 0;
  let peers = 0;
  const startups: number[] = [];
  const latencies: number[] = [];
  for (const r of reports) {
    if (r.rendition !== undefined) renditions[r.rendition] = (renditions[r.rendition] ?? 0) + 1;
    p2p += r.p2pBytes;
    cdn += r.cdnBytes;
    played += r.segmentsPlayed;
    onTime += r.segmentsOnTime;
    stallMs += r.stallMs;
    playMs += r.playMs;
    peers += r.peers;
    if (r.startupMs !== undefined) startups.push(r.startupMs);
    if (r.latencySec !== undefined) latencies.push(r.latencySec);
  }
  const n = reports.length;
  return {
    viewers: n,
    renditions,
    offload: ratio(p2p, p2p + cdn),
    continuityIndex: ratio(onTime, played),
    rebufferRatio: ratio(stallMs, playMs + stallMs),
    startupMsP50: roundTo(percentile(startups, 50), 1),
    startupMsP95: roundTo(percentile(startups, 95), 1),
    latencySecP50: roundTo(percentile(latencies, 50), 100),
    peersPerViewer: n === 0 ? null : roundTo(peers / n, 100),
    cdnBytesPerSec: Math.round(rates.cdnBytesPerSec),
    p2pBytesPerSec: Math.round(rates.p2pBytesPerSec),
  };
}

/**
 * The nearest-rank percentile (`p` in (0, 100]) of `values`; null when there are none.
 * @example percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? roundTo(part / whole, 10_000) : null;
}

/**
 * `value` rounded to steps of `1 / scale` (the precision the figures are published with);
 * null stays null.
 * @example roundTo(0.123456, 10_000) // 0.1235
 */
export function roundTo(value: number | null, scale: number): number | null {
  return value === null ? null : Math.round(value * scale) / scale;
}
