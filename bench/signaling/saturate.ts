import { LatencyRecorder, type LatencySummary } from './latency.js';
import type { LoadGenerator } from './load-generator.js';
import { startCost, type PhaseCost } from './phase-cost.js';
import { drain } from './phases.js';
import type { ServerProcess } from './server-process.js';

/** Which side's CPU was at its limit (>= 90%) in the saturation phase. */
export type Bound = 'server' | 'generator' | 'both' | 'neither';

export interface SaturationResult {
  /** Probes kept in flight. */
  window: number;
  /** Probes delivered per second over the measured window. */
  deliveredPerSec: number;
  sent: number;
  delivered: number;
  /** Sent but never delivered (counted after a drain of up to 5 s). */
  lost: number;
  latencyMs: LatencySummary;
  serverErrors: number;
  bound: Bound;
  cost: PhaseCost;
}

/**
 * Keeps `window` probes in flight (each delivery sends the next) for `warmupSeconds` +
 * `seconds` and counts what the server delivers in the last `seconds`. `pinned`: the server
 * runs on CPU 1 and the generator on CPU 0.
 */
export async function saturate(
  gen: LoadGenerator,
  server: ServerProcess,
  window: number,
  seconds: number,
  pinned: boolean,
  warmupSeconds = 1,
): Promise<SaturationResult> {
  gen.resetPhase();
  // The phase's edges are checked on each delivery, not only by timers: with thousands of
  // busy sockets, one pass of the event loop's poll phase can outlast a timer by seconds.
  const t0 = performance.now();
  const warmEnd = t0 + warmupSeconds * 1000;
  const phaseEnd = warmEnd + seconds * 1000;
  let d0 = 0;
  let end: (() => PhaseCost) | undefined;
  let cost: PhaseCost | undefined;
  let latencyMs: LatencySummary | undefined;
  let delivered = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const tick = (): void => {
    const now = performance.now();
    if (!end && now >= warmEnd) {
      d0 = gen.counters.probesDelivered;
      gen.probeLatency = new LatencyRecorder();
      end = startCost(server);
    } else if (end && !cost && now >= phaseEnd) {
      cost = end();
      delivered = gen.counters.probesDelivered - d0;
      latencyMs = gen.probeLatency.summary();
      gen.onProbeDelivered = undefined;
      finish();
    }
  };
  gen.onProbeDelivered = () => {
    tick();
    if (!cost) gen.sendProbe();
  };
  const timer = setInterval(tick, 50);
  for (let i = 0; i < window; i++) gen.sendProbe();
  await finished;
  clearInterval(timer);
  await drain(gen, 5000);
  if (!cost || !latencyMs) throw new Error('unreachable: saturation ended without a cost');
  // Pinned, a core's busy time tells best (it includes loopback TCP in softirq context).
  const serverLoad = pinned ? (cost.cpuBusyPct[1] ?? NaN) : cost.serverCpuPct;
  const generatorLoad = pinned ? (cost.cpuBusyPct[0] ?? NaN) : cost.generatorCpuPct;
  const bound: Bound =
    serverLoad >= 90
      ? generatorLoad >= 90
        ? 'both'
        : 'server'
      : generatorLoad >= 90
        ? 'generator'
        : 'neither';
  return {
    window,
    deliveredPerSec: delivered / cost.seconds,
    sent: gen.counters.probesSent,
    delivered: gen.counters.probesDelivered,
    lost: gen.counters.probesSent - gen.counters.probesDelivered,
    latencyMs,
    serverErrors: gen.counters.serverErrors,
    bound,
    cost,
  };
}
