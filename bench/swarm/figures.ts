import type { ViewerStats } from '../../test/support/viewers.js';
import { quantile, sum } from '../lib/stats.js';

/** One snapshot of every viewer during the measured window. */
export interface Sample {
  /** Seconds since the window opened. */
  t: number;
  viewers: ViewerStats[];
  /** Segment bytes the origin served since the window opened. */
  originBytes: number;
}

export interface ModeRun {
  mode: 'cdn' | 'p2p';
  viewers: number;
  samples: Sample[];
  /** Machine CPU busy share over the window, 0..1. */
  cpuBusy: number;
  errors: string[];
}

/** The figures of one mode, as DESIGN.md defines them. */
export interface ModeFigures {
  mode: 'cdn' | 'p2p';
  viewers: number;
  windowSec: number;
  p2pBytes: number;
  cdnBytes: number;
  /** p2p / (p2p + cdn), from the players' counters. */
  offloadClient: number;
  /** 1 - origin bytes / bytes the players consumed, from the origin's counter. */
  offloadServer: number;
  /** min(1 - 1/N, u/r); u is not limited on loopback, so 1 - 1/N. */
  bound: number;
  offloadOverBound: number;
  continuityIndex: number;
  stalls: number;
  stallSec: number;
  rebufferRatio: number;
  startupP50Ms: number;
  startupP95Ms: number;
  latencyP50Sec: number;
  uploadMaxMB: number;
  uploadMinMB: number;
  cpuBusy: number;
  errors: number;
}

export function summarize(run: ModeRun): ModeFigures {
  const first = run.samples[0];
  const last = run.samples[run.samples.length - 1];
  if (!first || !last) throw new Error('no samples');
  const d = (f: (s: ViewerStats) => number): number[] =>
    last.viewers.map((v, i) => f(v) - f(first.viewers[i]!));
  const p2p = sum(d((s) => s.p2pBytes));
  const cdn = sum(d((s) => s.cdnBytes));
  const consumed = p2p + cdn;
  const played = sum(d((s) => s.segmentsPlayed));
  const stalls = sum(d((s) => s.stalls));
  const stallMs = sum(d((s) => s.stallMs));
  const playMs = sum(d((s) => s.playMs));
  const uploads = d((s) => s.uploadBytes).map((b) => b / 1e6);
  const latencies = run.samples.flatMap((s) => s.viewers.map((v) => v.latencySec ?? Number.NaN));
  const bound = 1 - 1 / run.viewers;
  const offloadClient = consumed > 0 ? p2p / consumed : 0;
  return {
    mode: run.mode,
    viewers: run.viewers,
    windowSec: last.t,
    p2pBytes: p2p,
    cdnBytes: cdn,
    offloadClient,
    offloadServer: consumed > 0 ? 1 - last.originBytes / consumed : 0,
    bound,
    offloadOverBound: offloadClient / bound,
    continuityIndex: played > 0 ? Math.max(0, played - stalls) / played : Number.NaN,
    stalls,
    stallSec: stallMs / 1000,
    rebufferRatio: stallMs + playMs > 0 ? stallMs / (stallMs + playMs) : 0,
    startupP50Ms: quantile(
      last.viewers.map((v) => v.startupMs ?? Number.NaN),
      0.5,
    ),
    startupP95Ms: quantile(
      last.viewers.map((v) => v.startupMs ?? Number.NaN),
      0.95,
    ),
    latencyP50Sec: quantile(latencies, 0.5),
    uploadMaxMB: Math.max(...uploads),
    uploadMinMB: Math.min(...uploads),
    cpuBusy: run.cpuBusy,
    errors: run.errors.length,
  };
}
