import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LatencyRecorder, sleep, type LatencySummary } from './latency.js';
import type { LoadGenerator } from './load-generator.js';
import { withTimeout, type BenchPeer } from './peers/bench-peer.js';
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

/** Runs `task` for each item with at most `concurrency` at once. */
async function pool<T>(items: Iterable<T>, concurrency: number, task: (item: T) => Promise<void>) {
  const it = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = it.next(); !next.done; next = it.next()) await task(next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface RampResult {
  target: number;
  /** Peers connected and joined at the end of the ramp. */
  held: number;
  failed: number;
  joinsPerSec: number;
  /** Connect + join, until the server's answer. */
  joinMs: LatencySummary;
  /** Offers and answers relayed after the joins, and their latency. */
  handshakes: number;
  handshakeMs: LatencySummary;
  serverErrors: number;
  cost: PhaseCost;
}

/**
 * Connects and joins `count` peers, `concurrency` joins in flight, then waits (at most
 * `settleMs`) until the offer/answer handshakes that the joins started have been relayed.
 */
export async function ramp(
  gen: LoadGenerator,
  server: ServerProcess,
  count: number,
  concurrency: number,
  settleMs: number,
): Promise<RampResult> {
  gen.resetPhase();
  const joinMs = new LatencyRecorder();
  let failed = 0;
  const end = startCost(server);
  const indexes = Array.from({ length: count }, (_, i) => i);
  await pool(indexes, concurrency, async () => {
    const peer = gen.createPeer();
    const t0 = performance.now();
    try {
      await withTimeout(peer.join(), 30_000, 'join');
      joinMs.add(performance.now() - t0);
    } catch {
      failed++;
      peer.close();
    }
  });
  const cost = end();
  const held = gen.peers.filter((p) => p.joined).length;
  // Let the handshakes drain: stop when nothing moved for 500 ms.
  const deadline = performance.now() + settleMs;
  let last = -1;
  while (performance.now() < deadline && gen.counters.handshakes !== last) {
    last = gen.counters.handshakes;
    await sleep(500);
  }
  return {
    target: count,
    held,
    failed,
    joinsPerSec: held / cost.seconds,
    joinMs: joinMs.summary(),
    handshakes: gen.counters.handshakes,
    handshakeMs: gen.handshakeLatency.summary(),
    serverErrors: gen.counters.serverErrors,
    cost,
  };
}

/** Waits until every probe sent was delivered, at most `ms`. */
async function drain(gen: LoadGenerator, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (gen.counters.probesDelivered < gen.counters.probesSent && performance.now() < deadline) {
    await sleep(50);
  }
}

export interface SteadyResult {
  /** Offered probes per second (the fixed rate). */
  offeredPerSec: number;
  sent: number;
  delivered: number;
  latencyMs: LatencySummary;
  serverErrors: number;
  cost: PhaseCost;
}

/** Sends probes at a fixed `rate` for `seconds` and times each from send to delivery. */
export async function steady(
  gen: LoadGenerator,
  server: ServerProcess,
  rate: number,
  seconds: number,
): Promise<SteadyResult> {
  gen.resetPhase();
  const total = Math.round(rate * seconds);
  const end = startCost(server);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
      while (gen.counters.probesSent < due) gen.sendProbe();
      if (gen.counters.probesSent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await drain(gen, 5000);
  const cost = end();
  return {
    offeredPerSec: rate,
    sent: gen.counters.probesSent,
    delivered: gen.counters.probesDelivered,
    latencyMs: gen.probeLatency.summary(),
    serverErrors: gen.counters.serverErrors,
    cost,
  };
}

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

export interface LeaveResult {
  left: number;
  failed: number;
  leavesPerSec: number;
  /** Members the server still counts a moment after everyone left (should be 0). */
  membersAfter: number;
  cost: PhaseCost;
}

/** Every joined peer leaves (waiting for the server's answer) and disconnects. */
export async function leaveAll(
  gen: LoadGenerator,
  server: ServerProcess,
  concurrency: number,
): Promise<LeaveResult> {
  const joined = gen.peers.filter((p) => p.joined);
  let failed = 0;
  const end = startCost(server);
  await pool<BenchPeer>(joined, concurrency, async (peer) => {
    try {
      await withTimeout(peer.leave(), 10_000, 'leave');
    } catch {
      failed++;
      peer.close();
    }
  });
  const cost = end();
  for (const peer of gen.peers) peer.close();
  await sleep(1000);
  return {
    left: joined.length - failed,
    failed,
    leavesPerSec: (joined.length - failed) / cost.seconds,
    membersAfter: await server.members(),
    cost,
  };
}
