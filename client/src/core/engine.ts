import { CdnLoader, type CdnLoaderConfig, type CdnLoaderPlatform } from './cdn-loader.js';
import { Emitter } from './emitter.js';
import type { PeerConfig, PeerOptions } from './peer.js';
import {
  RenditionSession,
  type LoadedSegment,
  type SegmentInfo,
  zeroTrafficCounters,
  type TrafficCounters,
} from './rendition-session.js';
import { resolveSchedulerConfig, type PlaybackState, type SchedulerConfig } from './scheduler.js';
import type { SegmentStoreConfig } from './segment-store.js';
import { Swarm, type SwarmConfig, type SwarmSignaling } from './swarm.js';
import { EngineIntegrity, isIntegritySignaling, type IntegrityConfig } from './engine-integrity.js';
import type { IntegrityCounters } from './segment-verifier.js';
import { UploadLimiter } from './upload-limiter.js';

export type { LoadedSegment, SegmentInfo } from './rendition-session.js';

/** Settings of the {@link Engine}; each part has its own documented defaults. */
export interface EngineConfig {
  /** Exchange segments with peers. When false the engine is a plain CDN loader. @default true */
  p2p: boolean;
  /** Scheduler thresholds. @default DEFAULT_SCHEDULER_CONFIG */
  scheduler: Partial<SchedulerConfig>;
  /** Segment store limits per rendition. @default DEFAULT_SEGMENT_STORE_CONFIG */
  store: Partial<SegmentStoreConfig>;
  /** Peer connection settings. @default DEFAULT_PEER_CONFIG */
  peer: Partial<PeerConfig>;
  /** Peer set settings. @default DEFAULT_SWARM_CONFIG */
  swarm: Partial<SwarmConfig>;
  /** CDN loader settings. @default DEFAULT_CDN_LOADER_CONFIG */
  cdn: Partial<CdnLoaderConfig>;
  /** Segment verification against the server's hashes. @default DEFAULT_INTEGRITY_CONFIG */
  integrity: Partial<IntegrityConfig>;
  /** Period of the scheduler's time-driven pass, ms. @default 200 */
  tickMs: number;
  /** A rendition the player left keeps its swarm this long (ABR may come back), ms. @default 10000 */
  renditionLingerMs: number;
  /**
   * Joining the swarm waits for the first frame (at most this long), ms: the first segments
   * come from the CDN anyway, and signaling plus WebRTC handshakes would compete with the
   * player for the main thread during startup. 0 joins at once. @default 3000
   */
  joinAfterStartMaxMs: number;
  /** Most bytes per second this viewer uploads to peers, over all connections; 0 = no cap. @default 0 */
  uploadCap: number;
  /**
   * Never upload: take segments from peers but announce none and serve none (for metered or
   * slow uplinks). @default false
   */
  downloadOnly: boolean;
  /**
   * When a peer transfer is cancelled or fails part way, ask the CDN only for the rest of the
   * segment (`Range: bytes=N-`) and join it to the bytes the peer sent; the whole segment is
   * verified as a peer segment. Off, or once the CDN answered a range request whole or refused
   * it: the CDN sends the whole segment again. @default true
   */
  cdnRanges: boolean;
  /**
   * When a peer transfer is cancelled or fails part way, another peer that holds the whole
   * segment may send only the rest (a ranged request; protocol version 2); and a transfer too
   * slow for its deadline hands over to a faster complete holder (`scheduler.handoverShare`),
   * keeping the bytes it brought. @default true
   */
  peerRanges: boolean;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  p2p: true,
  scheduler: {},
  store: {},
  peer: {},
  swarm: {},
  cdn: {},
  integrity: {},
  tickMs: 200,
  renditionLingerMs: 10_000,
  joinAfterStartMaxMs: 3000,
  uploadCap: 0,
  downloadOnly: false,
  cdnRanges: true,
  peerRanges: true,
};

export interface EngineOptions {
  /** Channel id, as the signaling server knows it. */
  channel: string;
  /** The signaling connection; without it the engine plays from the CDN only. */
  signaling?: SwarmSignaling;
  config?: Partial<EngineConfig>;
  /** WebRTC implementation for Node. @default the browser's */
  wrtc?: PeerOptions['wrtc'];
  /** Platform for CDN loads (fetch, clock). */
  platform?: Partial<CdnLoaderPlatform>;
  /** Monotonic clock, ms. @default performance.now */
  now?: () => number;
}

/** Traffic and mesh figures. Offload = p2pBytes / (p2pBytes + cdnBytes). */
export interface EngineStats extends TrafficCounters, IntegrityCounters {
  /** Open peer connections in the active rendition's swarm. */
  peers: number;
  /** Peer connections of the active rendition's swarm that are still opening. */
  connecting: number;
  /** The rendition the player loads now. */
  rendition: string | undefined;
  /** Our id in the active swarm. */
  peerId: string | undefined;
}

export interface EngineEvents {
  /** A segment reached the store. */
  segment: (rendition: string, seq: number, source: 'cdn' | 'p2p', bytes: number) => void;
  /** P2P is unavailable for this rendition (e.g. the channel disabled it); CDN only. */
  p2pUnavailable: (rendition: string, code: string, message: string) => void;
}

/**
 * The player-agnostic P2P engine: one {@link RenditionSession} (store, scheduler state,
 * swarm) per rendition the player uses. A player adapter feeds it playlists and the playhead
 * and loads segments through it.
 *
 * @example
 * const engine = new Engine({ channel: 'demo', signaling });
 * engine.updatePlaylist('360p', segments);
 * const { bytes, source } = await engine.load('360p', segments[3]);
 */
export class Engine extends Emitter<EngineEvents> {
  readonly config: EngineConfig;
  private readonly scheduler: SchedulerConfig;
  private readonly cdn: CdnLoader;
  private readonly integrity: EngineIntegrity;
  private readonly upload: UploadLimiter;
  private readonly sessions = new Map<string, RenditionSession>();
  private readonly lingering = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly counters: TrafficCounters = zeroTrafficCounters();
  private readonly now: () => number;
  private readonly tick: ReturnType<typeof setInterval>;
  private active: string | undefined;
  private playback: { state: PlaybackState; started: boolean } = {
    state: { position: 0, rate: 0 },
    started: false,
  };
  private destroyed = false;
  /** Resolves at the first frame, or after `joinAfterStartMaxMs`. */
  private readonly startGate: Promise<void>;
  private openStartGate: () => void = () => undefined;
  private startGateTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: EngineOptions) {
    super();
    this.config = { ...DEFAULT_ENGINE_CONFIG, ...options.config };
    if (!(this.config.tickMs > 0) || !(this.config.renditionLingerMs >= 0)) {
      throw new RangeError('engine config: tickMs must be > 0 and renditionLingerMs >= 0');
    }
    this.scheduler = resolveSchedulerConfig(this.config.scheduler);
    this.now = options.now ?? (() => performance.now());
    this.upload = new UploadLimiter({ capBytesPerSec: this.config.uploadCap }, { now: this.now });
    this.cdn = new CdnLoader(this.config.cdn, { now: this.now, ...options.platform });
    const sig = options.signaling;
    this.integrity = new EngineIntegrity(
      options.channel,
      isIntegritySignaling(sig) ? sig : undefined,
      this.config.integrity,
      { now: this.now },
    );
    this.tick = setInterval(() => {
      for (const s of this.sessions.values()) s.kick();
    }, this.config.tickMs);
    this.startGate = new Promise<void>((resolve) => {
      this.openStartGate = resolve;
    });
    if (this.config.joinAfterStartMaxMs <= 0) this.openStartGate();
    else this.startGateTimer = setTimeout(this.openStartGate, this.config.joinAfterStartMaxMs);
  }

  /** Whether segments are exchanged with peers. */
  get p2pEnabled(): boolean {
    return this.config.p2p && this.options.signaling !== undefined;
  }

  /** The media playlist of a rendition, as last loaded by the player. */
  updatePlaylist(rendition: string, segments: readonly SegmentInfo[]): void {
    this.session(rendition).updatePlaylist(segments);
  }

  /** The playhead; `started` once the first frame played. */
  setPlayback(state: PlaybackState, started: boolean): void {
    this.playback = { state, started };
    if (started) {
      clearTimeout(this.startGateTimer);
      this.openStartGate();
    }
    for (const s of this.sessions.values()) s.setPlayback(state, started);
  }

  /** The rendition the player now loads; the previous one lingers, then leaves its swarm. */
  setActiveRendition(rendition: string): void {
    if (this.active === rendition) return;
    const previous = this.active;
    this.active = rendition;
    this.session(rendition);
    const timer = this.lingering.get(rendition);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.lingering.delete(rendition);
    }
    if (previous === undefined) return;
    this.lingering.set(
      previous,
      setTimeout(() => {
        this.lingering.delete(previous);
        this.sessions.get(previous)?.destroy();
        this.sessions.delete(previous);
      }, this.config.renditionLingerMs),
    );
  }

  /** Loads a segment the player wants, from the store, a peer or the CDN. */
  load(rendition: string, segment: SegmentInfo, signal?: AbortSignal): Promise<LoadedSegment> {
    if (this.destroyed) return Promise.reject(new Error('engine destroyed'));
    if (this.active === undefined) this.setActiveRendition(rendition);
    return this.session(rendition).load(segment, signal);
  }

  stats(): EngineStats {
    const session = this.active === undefined ? undefined : this.sessions.get(this.active);
    return {
      ...this.counters,
      ...this.integrity.counters,
      peers: session?.peerCount ?? 0,
      connecting: session?.connectingCount ?? 0,
      rendition: this.active,
      peerId: session?.peerId,
    };
  }

  private session(rendition: string): RenditionSession {
    let session = this.sessions.get(rendition);
    if (session) return session;
    session = new RenditionSession({
      rendition,
      cdn: this.cdn,
      scheduler: this.scheduler,
      store: this.config.store,
      now: this.now,
      counters: this.counters,
      uploadRate: () => this.upload.measuredRate,
      cdnRanges: this.config.cdnRanges,
      peerRanges: this.config.peerRanges,
      ...(this.p2pEnabled && { verifier: this.integrity.verifier(rendition) }),
      onCorruptPeer: (peerId, seq) => {
        this.integrity.liar(rendition, peerId, seq);
      },
    });
    this.sessions.set(rendition, session);
    session.setPlayback(this.playback.state, this.playback.started);
    const s = session;
    s.store.on('added', (seq, source) => {
      this.emit('segment', rendition, seq, source, s.store.get(seq)?.bytes.length ?? 0);
    });
    if (this.p2pEnabled && this.options.signaling) {
      const swarm = new Swarm({
        channel: this.options.channel,
        rendition,
        signaling: this.options.signaling,
        config: this.config.swarm,
        peerConfig: this.config.peer,
        ...(this.options.wrtc && { wrtc: this.options.wrtc }),
        provide: (seq) => s.store.get(seq)?.bytes,
        haveMap: () => s.store.seqs(),
        arriving: (seq) => s.arrival(seq),
        arrivingSeqs: () => s.arrivingSeqs(),
        uploadRate: () => this.upload.measuredRate,
        onUpload: (bytes) => {
          this.counters.uploadBytes += bytes;
        },
        upload: this.upload,
        downloadOnly: this.config.downloadOnly,
      });
      swarm.on('joinFailed', (code, message) => {
        this.emit('p2pUnavailable', rendition, code, message);
      });
      s.attachSwarm(swarm);
      this.startGate
        .then(() => (this.destroyed ? undefined : swarm.start()))
        .catch((err: unknown) => {
          this.emit('p2pUnavailable', rendition, 'join-error', String(err));
        });
    }
    return session;
  }

  /** Stops every transfer, leaves every swarm; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.tick);
    clearTimeout(this.startGateTimer);
    for (const t of this.lingering.values()) clearTimeout(t);
    this.lingering.clear();
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
    this.cdn.destroy();
    this.integrity.destroy();
    this.upload.destroy();
    this.removeAllListeners();
  }
}
