import { table } from '../lib/stats.js';
import type { ModeFigures } from './figures.js';

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');
const num = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** Prints the modes side by side. */
export function printTable(figures: readonly ModeFigures[]): void {
  const rows: [string, (f: ModeFigures) => string][] = [
    ['viewers', (f) => String(f.viewers)],
    ['window (s)', (f) => num(f.windowSec)],
    ['P2P MB', (f) => num(f.p2pBytes / 1e6, 2)],
    ['CDN MB', (f) => num(f.cdnBytes / 1e6, 2)],
    ['offload (client)', (f) => pct(f.offloadClient)],
    ['offload (origin)', (f) => pct(f.offloadServer)],
    ['bound min(1-1/N, u/r)', (f) => pct(f.bound)],
    ['offload / bound', (f) => pct(f.offloadOverBound)],
    ['continuity index', (f) => num(f.continuityIndex, 4)],
    ['stalls (count)', (f) => String(f.stalls)],
    ['stalls (s)', (f) => num(f.stallSec, 2)],
    ['rebuffer ratio', (f) => pct(f.rebufferRatio)],
    ['startup p50 (ms)', (f) => num(f.startupP50Ms)],
    ['startup p95 (ms)', (f) => num(f.startupP95Ms)],
    ['latency p50 (s)', (f) => num(f.latencyP50Sec, 2)],
    ['upload/viewer max MB', (f) => num(f.uploadMaxMB, 2)],
    ['upload/viewer min MB', (f) => num(f.uploadMinMB, 2)],
    ['CPU busy (machine)', (f) => pct(f.cpuBusy)],
    ['page errors', (f) => String(f.errors)],
  ];
  const header = ['figure', ...figures.map((f) => (f.mode === 'cdn' ? 'CDN only' : 'meshcast'))];
  console.log(table([header, ...rows.map(([name, get]) => [name, ...figures.map(get)])]));
}
