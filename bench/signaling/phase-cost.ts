import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpuTimes, otherProcessesCpuSeconds, type ServerProcess } from './server-process.js';

/** Wall time and CPU of one phase: the server's (from /proc) and the generator's. */
export interface PhaseCost {
  seconds: number;
  serverCpuSeconds: number;
  /** Server CPU over the phase, % of one core. */
  serverCpuPct: number;
  /** This (generator) process's CPU over the phase, % of one core. */
  generatorCpuPct: number;
  /**
   * Busy % of each CPU over the phase, from /proc/stat: unlike the per-process figures it
   * includes the kernel's loopback TCP work done in softirq context.
   */
  cpuBusyPct: number[];
  /**
   * CPU of every other process on the machine over the phase, % of one core: other work
   * competing with the benchmark (it should be near 0).
   */
  otherCpuPct: number;
  /**
   * The generator's event-loop delay, p99 and max in ms: when high, the generator was too
   * busy (or starved of CPU) to send and receive on time, and latencies include that.
   */
  generatorLoopDelayMs: { p99: number; max: number };
}

/** Starts measuring a phase; the returned function ends it. */
export function startCost(server: ServerProcess): () => PhaseCost {
  const t0 = performance.now();
  const s0 = server.sample().cpuSeconds;
  const g0 = process.cpuUsage();
  const c0 = cpuTimes();
  const exclude = [process.pid, server.pid];
  const o0 = otherProcessesCpuSeconds(exclude);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  return () => {
    loop.disable();
    const c1 = cpuTimes();
    let other = 0;
    for (const [pid, cpu] of otherProcessesCpuSeconds(exclude)) other += cpu - (o0.get(pid) ?? 0);
    const seconds = (performance.now() - t0) / 1000;
    const serverCpuSeconds = server.sample().cpuSeconds - s0;
    const g = process.cpuUsage(g0);
    return {
      seconds,
      serverCpuSeconds,
      serverCpuPct: (100 * serverCpuSeconds) / seconds,
      generatorCpuPct: (100 * (g.user + g.system)) / 1e6 / seconds,
      cpuBusyPct: c1.map((c, i) => {
        const total = c.total - (c0[i]?.total ?? 0);
        return total > 0 ? (100 * (c.busy - (c0[i]?.busy ?? 0))) / total : NaN;
      }),
      otherCpuPct: (100 * other) / seconds,
      // No sample at all: the loop never got to its timers (a busy poll phase).
      generatorLoopDelayMs:
        loop.count === 0
          ? { p99: NaN, max: NaN }
          : { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
  };
}
