import type { CdnLoaderConfig } from '../../client/src/core/cdn-loader.js';
import { DEFAULT_PEER_CONFIG } from '../../client/src/core/peer.js';
import { P2P_LIVE_SYNC_SEGMENTS } from '../../client/src/hls/p2p-hls-config.js';
import {
  zeroTrafficCounters,
  type TrafficCounters,
} from '../../client/src/core/rendition-session.js';
import { resolveSchedulerConfig, type SchedulerConfig } from '../../client/src/core/scheduler.js';
import { DEFAULT_SWARM_CONFIG, type SwarmConfig } from '../../client/src/core/swarm.js';
import { DEFAULT_UPLOAD_CONFIG } from '../../client/src/core/upload-limiter.js';
import { EventQueue } from './event-queue.js';
import { FlowNetwork } from './flow-network.js';
import { TimingProbe, createSessionTrace, traceSessions } from './instrument.js';
import { LiveSource, type LiveSourceConfig } from './live-source.js';
import { summarize, type Snapshot, type SimResult, type WindowState } from './metrics.js';
import { createPopulation, nextArrivalMs, type PopulationConfig } from './population.js';
import { createRandom } from './random.js';
import { DEFAULT_LOCALITY_CONFIG, SimRegions, type LocalityConfig } from './regions.js';
import type { CdnCounters } from './sim-cdn.js';
import { createWireCounters, type SimPeerLimits } from './sim-peer.js';
import type { SimMesh } from './sim-swarm.js';
import { Viewer, type ClientSettings, type PlaybackRecord } from './viewer.js';

/** One simulation run. */
export interface SimConfig {
  /** Viewers at the start (churn keeps the mean there). */
  viewers: number;
  /** Measured duration, minutes (after the warm-up). */
  minutes: number;
  /** Viewers join uniformly over this long at the start, s. */
  rampS: number;
  /** Simulated time before measuring starts (ramp included), s. */
  warmupS: number;
  /** Leaves per viewer per minute, and joins per minute as a fraction of `viewers`. */
  churn: number;
  seed: number;
  source: LiveSourceConfig;
  population: PopulationConfig;
  /** Client settings: partial configs merged over the client's defaults. */
  scheduler: Partial<SchedulerConfig>;
  swarm: Partial<SwarmConfig>;
  peer: Partial<SimPeerLimits>;
  cdn: Partial<CdnLoaderConfig>;
  tickMs: number;
  liveSyncSegments: number;
  /** Segments a viewer uploads at once (the client's UploadConfig.slots). */
  uploadSlots: number;
  /** Requests queued over all of a viewer's connections before it refuses more (an experiment). */
  uploadQueue: number;
  /** Cut-through relay: 1 on (the client's default), 0 off (whole-segment store-and-forward). */
  cutThrough: number;
  /** Complete a half-done peer transfer with a CDN range request: 1 on (the client's default), 0 off. */
  cdnRanges: number;
  /** A holder sends the rest of a half-done peer transfer (ranged requests): 1 on (the client's default), 0 off. */
  peerRanges: number;
  /** Playlist refresh period, ms; 0 = one segment duration, as hls.js (an experiment). */
  playlistPollMs: number;
  /** Neighbours the signaling server hands out (SIGNALING_MAX_NEIGHBOURS). */
  maxNeighbours: number;
  /** Viewers in regions, locality-aware neighbour lists (bench/sim/regions.ts). */
  locality: LocalityConfig;
  /** One-way delay added by the signaling server, ms. */
  serverMs: number;

  /** Prints progress to stderr every this many simulated seconds (0: never). */
  progressEveryS: number;
}

export const DEFAULT_SIM_CONFIG: SimConfig = {
  viewers: 1000,
  minutes: 3,
  rampS: 30,
  warmupS: 60,
  churn: 0.1,
  seed: 1,
  source: { segmentMs: 2000, bitrate: 600_000, sizeJitter: 0.1, windowSegments: 6 },
  population: {
    uploadMean: 1.2,
    uploadSigma: 0.8,
    uploadMin: 0.05,
    uploadMax: 20,
    download: 10,
    latencyMs: [10, 40],
    cdnExtraRttMs: 20,
  },
  scheduler: {},
  swarm: {},
  peer: {},
  cdn: {},
  tickMs: 250,
  liveSyncSegments: P2P_LIVE_SYNC_SEGMENTS,
  uploadSlots: DEFAULT_UPLOAD_CONFIG.slots,
  uploadQueue: Infinity,
  cutThrough: 1,
  cdnRanges: 1,
  peerRanges: 1,
  playlistPollMs: 0,
  maxNeighbours: 8,
  locality: DEFAULT_LOCALITY_CONFIG,
  serverMs: 10,
  progressEveryS: 0,
};

/** Runs one simulation and returns its figures. */
export async function simulate(config: SimConfig): Promise<SimResult> {
  const wallStart = performance.now();
  const random = createRandom(config.seed);
  const q = new EventQueue();
  const net = new FlowNetwork(q);
  const trace = createSessionTrace();
  const follow = process.env.SIM_TRACE;
  traceSessions(trace, follow ? { id: follow, now: () => q.now } : undefined);
  const source = new LiveSource(config.source, random);
  const rate = config.source.bitrate / 8 / 1000; // bytes/ms
  const drawProfile = createPopulation(config.population, rate, random);
  const regions = new SimRegions(config.locality, random);
  const mesh: SimMesh = {
    q,
    net,
    limits: { ...DEFAULT_PEER_CONFIG, ...config.peer },
    wire: createWireCounters(),
    registry: regions.registry,
    onPayload: regions.onPayload,
    swarmId: 'sim/600k',
    maxNeighbours: config.maxNeighbours,
    serverMs: config.serverMs,
    swarms: new Map(),
    random,
    bytesOf: (seq: number) => source.bytesOf(seq),
    ...(follow && {
      trace: (host: { id: string }, line: string) => {
        if (host.id === follow) console.error(`${(q.now / 1000).toFixed(3)} ${follow} ${line}`);
      },
    }),
  };
  const cdnCounters: CdnCounters = { requests: 0, bytes: 0 };
  const settings: ClientSettings = {
    scheduler: resolveSchedulerConfig(config.scheduler),
    swarm: { ...DEFAULT_SWARM_CONFIG, ...config.swarm },
    store: {},
    cdn: config.cdn,
    tickMs: config.tickMs,
    liveSyncSegments: config.liveSyncSegments,
    uploadSlots: config.uploadSlots,
    uploadQueue: config.uploadQueue,
    cutThrough: config.cutThrough !== 0,
    cdnRanges: config.cdnRanges !== 0,
    peerRanges: config.peerRanges !== 0,
    playlistPollMs: config.playlistPollMs,
  };

  const alive: Viewer[] = [];
  const departed: TrafficCounters = zeroTrafficCounters();
  let nextId = 0;
  let uploadSum = 0;
  const t0 = 10 * config.source.segmentMs; // a full playlist window exists
  const w0 = t0 + config.warmupS * 1000;
  const w1 = w0 + config.minutes * 60_000;
  const state: WindowState = {
    w0,
    w1,
    playedBase: new Map(),
    played: 0,
    viewers: [],
    uploadBase: new Map(),
    uploads: [],
    departedInWindow: [],
    startups: [],
    samples: { n: 0, viewers: 0, upload: 0, peers: 0, peerSamples: 0, latency: [] },
  };

  const timing = new TimingProbe();
  const world = {
    timing,
    mesh,
    source,
    cdnCounters,
    settings,
    onStart: (r: PlaybackRecord) => {
      if (r.firstSegmentAt !== undefined)
        state.startups.push([r.joinedAt, r.firstSegmentAt - r.joinedAt]);
    },
  };

  const join = (): void => {
    const v = new Viewer(`v${nextId++}`, drawProfile(), world);
    alive.push(v);
    uploadSum += v.profile.up;
    if (q.now >= w0) state.playedBase.set(v, 0);
    v.join();
  };
  const leaveRandom = (): void => {
    if (alive.length === 0) return;
    const i = Math.floor(random() * alive.length);
    const v = alive[i]!;
    alive[i] = alive[alive.length - 1]!;
    alive.pop();
    uploadSum -= v.profile.up;
    if (q.now >= w0) {
      state.played += v.segmentsReached(q.now) - (state.playedBase.get(v) ?? 0);
      state.playedBase.delete(v);
      state.departedInWindow.push(v.record);
    }
    v.leave();
    addCounters(departed, v.counters);
  };

  for (let i = 0; i < config.viewers; i++) q.at(t0 + random() * config.rampS * 1000, join);
  const churnFrom = t0 + config.rampS * 1000;
  const scheduleLeave = (): void => {
    q.after(nextArrivalMs(random, config.churn * Math.max(1, alive.length)), () => {
      leaveRandom();
      scheduleLeave();
    });
  };
  const scheduleJoin = (): void => {
    q.after(nextArrivalMs(random, config.churn * config.viewers), () => {
      join();
      scheduleJoin();
    });
  };
  q.at(churnFrom, () => {
    if (config.churn > 0) {
      scheduleLeave();
      scheduleJoin();
    }
  });
  // Housekeeping every second: drop old source segments, sample the population.
  const sample = (): void => {
    source.forgetBefore(source.edge(q.now) - 3 * config.source.windowSegments);
    const s = state.samples;
    if (q.now >= w0 && q.now <= w1) {
      s.n++;
      s.viewers += alive.length;
      s.upload += uploadSum;
      if (s.n % 10 === 1) {
        let peers = 0;
        for (const v of alive) {
          peers += v.swarm.connectedPeers().length;
          if (v.hasStarted) s.latency.push(v.latency(q.now));
        }
        s.peers += peers / Math.max(1, alive.length);
        s.peerSamples++;
      }
    }
    if (config.progressEveryS > 0 && (q.now / 1000) % config.progressEveryS === 0) {
      const wall = ((performance.now() - wallStart) / 1000).toFixed(0);
      console.error(
        `  t=${(q.now / 1000).toFixed(0)}s viewers=${alive.length} events=${q.events} wall=${wall}s`,
      );
    }
    q.after(1000, sample);
  };
  q.at(0, sample);

  let start: Snapshot | undefined;
  q.at(w0, () => {
    timing.active = true;
    regions.begin();
    for (const v of alive) state.playedBase.set(v, v.segmentsReached(q.now));
    for (const v of alive) state.uploadBase.set(v, v.counters.uploadBytes);
    start = snapshot();
  });
  const snapshot = (): Snapshot => {
    const counters = { ...departed };
    for (const v of alive) addCounters(counters, v.counters);
    return {
      counters,
      wire: structuredClone(mesh.wire),
      cdn: { ...cdnCounters },
      trace: structuredClone(trace),
      segmentsPublished: source.edge(q.now) + 1,
    };
  };

  await q.run(w1);
  const end = snapshot();
  for (const v of alive) {
    const base = state.uploadBase.get(v);
    if (base !== undefined) state.uploads.push([v.profile.up, v.counters.uploadBytes - base]);
    state.played += v.segmentsReached(q.now) - (state.playedBase.get(v) ?? 0);
    v.leave(); // closes an open stall
    state.viewers.push(v.record);
  }
  const result = summarize({
    config,
    state,
    start: start ?? end,
    end,
    rate,
    timing,
    wallMs: performance.now() - wallStart,
    events: q.events,
  });
  return { ...result, regions: regions.figures() };
}

function addCounters(into: TrafficCounters, c: TrafficCounters): void {
  into.p2pBytes += c.p2pBytes;
  into.cdnBytes += c.cdnBytes;
  into.uploadBytes += c.uploadBytes;
  into.wastedBytes += c.wastedBytes;
  into.p2pSegments += c.p2pSegments;
  into.cdnSegments += c.cdnSegments;
}
