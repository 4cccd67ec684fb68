import { sleep } from './latency.js';
import { LoadGenerator } from './load-generator.js';
import type { SignalingBenchOptions } from './options.js';
import type { PeerFactory } from './peers/bench-peer.js';
import { MeshcastPeer } from './peers/meshcast-peer.js';
import { SocketIoPeer } from './peers/socket-io-peer.js';
import { TrackerPeer } from './peers/tracker-peer.js';
import {
  leaveAll,
  ramp,
  steady,
  type LeaveResult,
  type RampResult,
  type SteadyResult,
} from './phases.js';
import { saturate, type SaturationResult } from './saturate.js';
import { ServerProcess, type ServerKind } from './server-process.js';

/** Everything measured against one server. */
export interface ServerResult {
  server: ServerKind;
  /** The server counts this many swarm members after the ramp. */
  serverMembers: number;
  ramp: RampResult;
  steady: SteadyResult;
  saturation: SaturationResult;
  leave: LeaveResult;
  memory: {
    /** RSS before any peer, after a full GC. */
    idleRssBytes: number;
    /** RSS with every ramped peer held (handshakes settled, after a full GC). */
    loadedRssBytes: number;
    /** (loaded - idle) / (held / 1000). */
    rssPer1kPeersBytes: number;
    /** The same for the V8 heap in use: the JS objects each peer costs. */
    heapPer1kPeersBytes: number;
    /** The same for the V8 heap committed (in use + free pages V8 keeps). */
    heapTotalPer1kPeersBytes: number;
    peakRssBytes: number;
    /**
     * RSS per 1k peers held after `quietSeconds` without load (pings only) following the
     * saturation phase, no forced GC; undefined when not measured.
     */
    quietRssPer1kPeersBytes?: number;
  };
  /** Server CPU seconds from start to the end of the leave phase. */
  serverCpuSeconds: number;
}

function factoryFor(kind: ServerKind, options: SignalingBenchOptions): PeerFactory {
  if (kind === 'tracker') return (o) => new TrackerPeer(o);
  return options.meshcastClient === 'ws' ? (o) => new MeshcastPeer(o) : (o) => new SocketIoPeer(o);
}

/** Memory the server holds: RSS (median of a few samples) and V8 heap, after a full GC. */
async function settledMemory(
  server: ServerProcess,
): Promise<{ rss: number; heap: number; heapTotal: number }> {
  const { heapUsedBytes, heapTotalBytes } = await server.status(true);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    samples.push(server.sample().rssBytes);
  }
  return { rss: samples.sort((a, b) => a - b)[2]!, heap: heapUsedBytes, heapTotal: heapTotalBytes };
}

/** Starts `kind` in a child process, runs every phase against it and stops it. */
export async function runServer(
  kind: ServerKind,
  options: SignalingBenchOptions,
  log: (line: string) => void,
): Promise<ServerResult> {
  const server = await ServerProcess.start(
    kind,
    options.pin ? 1 : undefined,
    options.nice,
    options.trackerSettings,
  );
  const gen = new LoadGenerator(factoryFor(kind, options), {
    port: server.port,
    swarms: options.swarms,
    offers: options.offers,
    maxNeighbours: 2 * options.offers,
    payloadBytes: options.payloadBytes,
  });
  try {
    await sleep(1000);
    const idle = await settledMemory(server);
    log(`${kind}: pid ${server.pid}, port ${server.port}, idle RSS ${mb(idle.rss)} MB`);

    const rampResult = await ramp(
      gen,
      server,
      options.peers,
      options.concurrency,
      options.settleMs,
    );
    const serverMembers = await server.members();
    const loaded = await settledMemory(server);
    log(
      `${kind}: ramp ${rampResult.held}/${options.peers} held in ${rampResult.cost.seconds.toFixed(1)} s ` +
        `(server counts ${serverMembers}), RSS ${mb(loaded.rss)} MB`,
    );

    const senders = gen.probeSenders();
    const steadyResult = await steady(gen, server, options.rate, options.steadySeconds);
    log(
      `${kind}: steady ${options.rate}/s from ${senders} senders: p50 ` +
        `${steadyResult.latencyMs.p50.toFixed(2)} ms, p99 ${steadyResult.latencyMs.p99.toFixed(2)} ms`,
    );

    const saturation = await saturate(
      gen,
      server,
      options.window,
      options.saturationSeconds,
      options.pin,
    );
    log(
      `${kind}: saturation ${Math.round(saturation.deliveredPerSec)} msg/s ` +
        `(server ${saturation.cost.serverCpuPct.toFixed(0)}% / generator ` +
        `${saturation.cost.generatorCpuPct.toFixed(0)}% of a core, CPUs busy ` +
        `${saturation.cost.cpuBusyPct.map((p) => p.toFixed(0)).join('/')}%: ${saturation.bound}-bound)`,
    );

    let quietRss: number | undefined;
    if (options.quietSeconds > 0) {
      await sleep(options.quietSeconds * 1000);
      quietRss = server.sample().rssBytes;
      log(`${kind}: after ${options.quietSeconds} s quiet, RSS ${mb(quietRss)} MB (no forced GC)`);
    }

    const leave = await leaveAll(gen, server, options.concurrency);
    const final = server.sample();
    log(`${kind}: ${leave.left} left, server holds ${leave.membersAfter} after`);
    return {
      server: kind,
      serverMembers,
      ramp: rampResult,
      steady: steadyResult,
      saturation,
      leave,
      memory: {
        idleRssBytes: idle.rss,
        loadedRssBytes: loaded.rss,
        rssPer1kPeersBytes: (loaded.rss - idle.rss) / (rampResult.held / 1000),
        heapPer1kPeersBytes: (loaded.heap - idle.heap) / (rampResult.held / 1000),
        heapTotalPer1kPeersBytes: (loaded.heapTotal - idle.heapTotal) / (rampResult.held / 1000),
        peakRssBytes: final.peakRssBytes,
        ...(quietRss !== undefined && {
          quietRssPer1kPeersBytes: (quietRss - idle.rss) / (rampResult.held / 1000),
        }),
      },
      serverCpuSeconds: final.cpuSeconds,
    };
  } finally {
    for (const peer of gen.peers) peer.close();
    await server.stop();
  }
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
