import { LatencyRecorder, sleep, type LatencySummary } from './latency.js';
import type { LoadGenerator } from './load-generator.js';
import { withTimeout, type BenchPeer } from './peers/bench-peer.js';
import { startCost, type PhaseCost } from './phase-cost.js';
import type { ServerProcess } from './server-process.js';

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
export async function drain(gen: LoadGenerator, ms: number): Promise<void> {
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
