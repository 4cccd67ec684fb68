import { CdnLoader, type CdnLoaderConfig } from '../../client/src/core/cdn-loader.js';
import {
  RenditionSession,
  zeroTrafficCounters,
  type TrafficCounters,
} from '../../client/src/core/rendition-session.js';
import type { SchedulerConfig } from '../../client/src/core/scheduler.js';
import type { SegmentStoreConfig } from '../../client/src/core/segment-store.js';
import type { SwarmConfig } from '../../client/src/core/swarm.js';
import { createNode, type FlowNode } from './flow-network.js';
import type { TimingEvent, TimingProbe } from './instrument.js';
import type { LiveSource } from './live-source.js';
import { createCdnFetch, type CdnCounters } from './sim-cdn.js';
import { UploadGate } from './sim-peer.js';
import { SimSwarm, type SimMesh } from './sim-swarm.js';

/** A viewer's access link. */
export interface ViewerProfile {
  /** Upload capacity, bytes/ms. */
  up: number;
  /** Download capacity, bytes/ms. */
  down: number;
  /** One-way latency of the access link, ms. */
  latencyMs: number;
  /** Round trip to the CDN edge, ms. */
  cdnRttMs: number;
}

/** The client settings every viewer runs with. */
export interface ClientSettings {
  scheduler: SchedulerConfig;
  swarm: SwarmConfig;
  store: Partial<SegmentStoreConfig>;
  cdn: Partial<CdnLoaderConfig>;
  /** Period of the playhead poll + scheduler pass, ms (engine tick 200, hls binding 250). */
  tickMs: number;
  /** The player starts this many segments behind the live edge (hls.js liveSyncDurationCount). */
  liveSyncSegments: number;
  /** Segments a viewer sends at once (the client's UploadConfig.slots; see UploadGate). */
  uploadSlots: number;
  /** Requests queued over all connections before new ones are refused (an experiment). */
  uploadQueue: number;
  /** Cut-through relay (the session's `cutThrough`). */
  cutThrough: boolean;
  /** The session's `cdnRanges`. */
  cdnRanges: boolean;
  /** The session's `peerRanges`. */
  peerRanges: boolean;
  /** Playlist refresh period, ms; 0 = one segment duration (hls.js). An experiment. */
  playlistPollMs: number;
}

export interface ViewerWorld {
  mesh: SimMesh;
  source: LiveSource;
  cdnCounters: CdnCounters;
  settings: ClientSettings;
  /** Called when a viewer's first segment loaded. */
  onStart?: (record: PlaybackRecord) => void;
  timing: TimingProbe;
}

/** Playback figures of one viewer. */
export interface PlaybackRecord {
  joinedAt: number;
  /** When the first segment loaded (playback started). */
  firstSegmentAt?: number;
  /** Stalls (a segment not in the buffer when the playhead reached it), with their start times. */
  stallTimes: number[];
  /** Stall time so far, ms, with the interval of each stall. */
  stallSpans: [number, number][];
}

/**
 * One viewer: a RenditionSession (the real core: store, scheduler, CDN loader) over a
 * {@link SimSwarm}, and a player modelled on hls.js for live streams: it polls the media
 * playlist every segment duration (its own phase), starts `liveSyncSegments` segments behind
 * the edge, loads one segment at a time in order as soon as it is listed, starts playing when
 * the first one loaded, and stalls when the playhead reaches the end of the buffer.
 */
export class Viewer {
  readonly node: FlowNode;
  readonly counters: TrafficCounters = zeroTrafficCounters();
  readonly session: RenditionSession;
  readonly swarm: SimSwarm;
  readonly record: PlaybackRecord;
  private readonly cdn: CdnLoader;
  private alive = true;
  // The player.
  private listedEdge = -1;
  private nextLoad: number | undefined;
  private startSeq: number | undefined;
  /** Where playback starts, s: `liveSyncSegments` segment durations before the listed edge. */
  private startPos = 0;
  private loading = false;
  private started = false;
  /** End of the contiguous buffer, as a segment number (exclusive). */
  private bufferedEnd = 0;
  private basePos = 0;
  private baseT = 0;
  private playing = false;
  private stallStart = 0;
  private underrunPending = false;

  constructor(
    readonly id: string,
    readonly profile: ViewerProfile,
    private readonly world: ViewerWorld,
  ) {
    const { mesh, settings } = world;
    const { q } = mesh;
    this.node = createNode(profile.up, profile.down);
    this.record = { joinedAt: q.now, stallTimes: [], stallSpans: [] };
    this.cdn = new CdnLoader(settings.cdn, {
      fetch: createCdnFetch({
        q,
        net: mesh.net,
        source: world.source,
        node: this.node,
        rttMs: profile.cdnRttMs,
        counters: world.cdnCounters,
        probe: (event, url) => {
          const seq = world.source.seqOf(url);
          if (seq !== undefined) this.probe(event, seq);
        },
      }),
      now: () => q.now,
      random: mesh.random,
      setTimeout: q.setTimeout,
      clearTimeout: q.clearTimeout,
    });
    const uploads = new UploadGate(settings.uploadSlots, settings.uploadQueue);
    this.session = new RenditionSession({
      rendition: id, // a label in debug lines: the trace can follow one viewer
      cdn: this.cdn,
      scheduler: settings.scheduler,
      store: settings.store,
      now: () => q.now,
      counters: this.counters,
      cutThrough: settings.cutThrough,
      cdnRanges: settings.cdnRanges,
      peerRanges: settings.peerRanges,
      uploadRate: () => uploads.measured,
    });
    this.swarm = new SimSwarm(
      mesh,
      {
        id,
        node: this.node,
        uploads,
        uploadRate: () => uploads.measured,
        latencyMs: profile.latencyMs,
        provide: (seq) => this.session.store.get(seq)?.bytes,
        arrival: (seq) => this.session.arrival(seq),
        arrivingSeqs: () => this.session.arrivingSeqs(),
        haveMap: () => this.session.store.seqs(),
        onUpload: (bytes) => {
          this.counters.uploadBytes += bytes;
        },
        beforeKick: () => {
          this.swarm.pollRequests();
        },
        probe: (event, seq) => {
          this.probe(event, seq);
        },
      },
      settings.swarm,
    );
    mesh.swarms.set(id, this.swarm);
    this.session.attachSwarm(this.swarm);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get hasStarted(): boolean {
    return this.started;
  }

  /** Starts: joins the swarm, loads the playlist, runs the playhead tick. */
  join(): void {
    const { q } = this.world.mesh;
    this.swarm.join();
    q.after(this.profile.cdnRttMs, () => {
      this.pollPlaylist();
    });
    q.after(this.world.mesh.random() * this.world.settings.tickMs, () => {
      this.tick();
    });
  }

  /** Leaves: destroys the session (and with it the swarm) and the CDN loader. */
  leave(): void {
    if (!this.alive) return;
    if (!this.playing && this.started) this.endStall();
    this.alive = false;
    this.session.destroy();
    this.cdn.destroy();
  }

  /** Playhead, media seconds. */
  position(now: number): number {
    if (!this.playing) return this.basePos;
    const pos = this.basePos + (now - this.baseT) / 1000;
    return Math.min(pos, this.bufferedEnd * this.segmentS);
  }

  /** Segment starts the playhead reached since playback started (the segments played). */
  segmentsReached(now: number): number {
    if (!this.started || this.startSeq === undefined) return 0;
    return Math.floor(this.position(now) / this.segmentS + 1e-9) - this.startSeq + 1;
  }

  /** Live latency as hls.js measures it: end of the newest published segment minus playhead, s. */
  latency(now: number): number {
    const edgeEnd = Math.floor(now / this.world.source.config.segmentMs) * this.segmentS;
    return edgeEnd - this.position(now);
  }

  /** Records when something happened to `seq`: since its publication and before its deadline. */
  private probe(event: TimingEvent, seq: number): void {
    const { q } = this.world.mesh;
    const published = (seq + 1) * this.world.source.config.segmentMs;
    const deadline = this.started ? (seq * this.segmentS - this.position(q.now)) * 1000 : undefined;
    this.world.timing.record(event, q.now - published, deadline);
  }

  private get segmentS(): number {
    return this.world.source.config.segmentMs / 1000;
  }

  private tick(): void {
    if (!this.alive) return;
    const { q } = this.world.mesh;
    this.pushPlayback();
    q.after(this.world.settings.tickMs, () => {
      this.tick();
    });
  }

  private pushPlayback(): void {
    const now = this.world.mesh.q.now;
    this.swarm.pollRequests();
    this.session.setPlayback({ position: this.position(now), rate: 1 }, this.started);
  }

  private pollPlaylist(): void {
    if (!this.alive) return;
    const { q } = this.world.mesh;
    const infos = this.world.source.playlist(q.now);
    const last = infos.at(-1);
    if (last) {
      this.swarm.pollRequests();
      this.session.updatePlaylist(infos);
      this.listedEdge = last.seq;
      if (this.nextLoad === undefined) {
        // As hls.js: the live sync position is the listed edge less liveSyncDurationCount
        // target durations (any real number), in the segment that holds it.
        const sync = (last.seq + 1 - this.world.settings.liveSyncSegments) * this.segmentS;
        this.startSeq = Math.max(0, Math.floor(sync / this.segmentS + 1e-9));
        this.startPos = Math.max(this.startSeq * this.segmentS, sync);
        this.nextLoad = this.startSeq;
      }
      this.maybeLoad();
    }
    q.after(this.world.settings.playlistPollMs || this.world.source.config.segmentMs, () => {
      this.pollPlaylist();
    });
  }

  private maybeLoad(): void {
    const seq = this.nextLoad;
    if (this.loading || seq === undefined || seq > this.listedEdge || !this.alive) return;
    this.loading = true;
    this.session.load(this.world.source.info(seq)).then(
      () => {
        this.onLoaded(seq);
      },
      () => {
        this.loading = false; // the session was destroyed (the viewer left)
      },
    );
  }

  private onLoaded(seq: number): void {
    if (!this.alive) return;
    const now = this.world.mesh.q.now;
    this.loading = false;
    this.bufferedEnd = seq + 1;
    this.nextLoad = seq + 1;
    if (!this.started) {
      this.started = true;
      this.record.firstSegmentAt = now;
      this.world.onStart?.(this.record);
      this.basePos = this.startPos; // the first load is startSeq, which holds startPos
      this.baseT = now;
      this.playing = true;
      this.pushPlayback();
    } else if (!this.playing) {
      this.endStall();
      this.pushPlayback();
    }
    this.scheduleUnderrun();
    this.maybeLoad();
  }

  private endStall(): void {
    const now = this.world.mesh.q.now;
    this.record.stallSpans.push([this.stallStart, now]);
    this.baseT = now;
    this.playing = true;
  }

  /** One pending check of the moment the playhead reaches the end of the buffer. */
  private scheduleUnderrun(): void {
    if (!this.playing || this.underrunPending) return;
    const at = this.baseT + (this.bufferedEnd * this.segmentS - this.basePos) * 1000;
    this.underrunPending = true;
    this.world.mesh.q.at(at, () => {
      this.underrunPending = false;
      this.checkUnderrun();
    });
  }

  private checkUnderrun(): void {
    if (!this.alive || !this.playing) return;
    const now = this.world.mesh.q.now;
    const endPos = this.bufferedEnd * this.segmentS;
    const at = this.baseT + (endPos - this.basePos) * 1000;
    if (at > now) {
      this.scheduleUnderrun();
      return;
    }
    this.basePos = endPos;
    this.baseT = now;
    this.playing = false;
    this.stallStart = now;
    this.record.stallTimes.push(now);
    this.pushPlayback();
  }
}
