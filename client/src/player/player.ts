import Hls, { type ErrorData, type HlsConfig } from 'hls.js';
import { Emitter } from '../core/emitter.js';
import { Engine, type EngineConfig } from '../core/engine.js';
import type { PeerOptions } from '../core/peer.js';
import { HlsBinding } from '../hls/hls-binding.js';
import { playerHlsConfig } from '../hls/p2p-hls-config.js';
import { SignalingClient } from '../signaling/signaling-client.js';
import { toPlayerError } from './hls-error.js';
import { PlaybackMonitor, type PlaybackQoe } from './playback-monitor.js';
import { QoeReporter } from './qoe-reporter.js';

/** Options of {@link createPlayer}. */
export interface PlayerOptions {
  /** The element to play in. */
  video: HTMLVideoElement;
  /** HLS multivariant (or media) playlist URL. */
  source: string;
  /** Start muted, which lets browsers autoplay. @default true */
  muted?: boolean;
  /** Start playing as soon as media is ready. @default true */
  autoplay?: boolean;
  /**
   * Extra hls.js config, merged over meshcast's. With P2P on, meshcast's includes
   * `liveSyncDurationCount: 3.5` (P2P_LIVE_SYNC_SEGMENTS: half a segment further behind live
   * than hls.js's 3, time for segments to spread between viewers) unless this sets any live
   * sync setting. @default {}
   */
  hlsConfig?: Partial<HlsConfig>;
  /**
   * Channel id: viewers of the same channel and rendition share segments. Without it the
   * player plays from the CDN only. @default undefined
   */
  channel?: string;
  /** Exchange segments with other viewers. @default true */
  p2p?: boolean;
  /** Origin of the meshcast server (signaling). @default the page's origin */
  serverUrl?: string;
  /** P2P engine settings. @default DEFAULT_ENGINE_CONFIG */
  engine?: Partial<EngineConfig>;
  /** WebRTC implementation (Node only). @default the browser's */
  wrtc?: PeerOptions['wrtc'];
  /** Report playback quality to the server (needs `channel`). @default true */
  report?: boolean;
}

/** A snapshot of the player's figures. Names only grow; these stay. */
export interface PlayerStats extends PlaybackQoe {
  /** Segment bytes fetched from peers. 0 while P2P is off. */
  p2pBytes: number;
  /** Segment bytes fetched from the CDN. */
  cdnBytes: number;
  /** Segment bytes sent to peers. */
  uploadBytes: number;
  /** Connected peers. */
  peers: number;
  /**
   * Peer connections still opening (signalling, ICE). Connections that keep opening while
   * `peers` stays 0 usually mean ICE cannot get through (a firewall, no TURN server).
   */
  connecting: number;
  /** Seconds behind the live edge (live edge - currentTime). */
  latencySec: number | undefined;
  /** Current rendition, e.g. `360p`, and its bitrate in bits/s. */
  rendition: string | undefined;
  bitrate: number | undefined;
  /** Rendition switches after the first. */
  switches: number;
  /** Whether segments are shared with peers. */
  p2pEnabled: boolean;
  /** Bytes of peer transfers that were cancelled or failed. */
  wastedBytes: number;
  /** Segments whose playback started (hls.js FRAG_CHANGED). */
  segmentsPlayed: number;
  /**
   * Segments in the buffer before their playback deadline / segments played
   * (CoolStreaming's continuity index). A stall after startup is a segment that missed its
   * deadline. Undefined before the first segment plays.
   */
  continuityIndex: number | undefined;
  /** Segments that matched the server's published hash. */
  verifiedSegments: number;
  /** Peer segments that did not match: dropped before the player, fetched from the CDN. */
  corruptSegments: number;
  /** Peers banned this session for sending corrupt segments. */
  bannedPeers: number;
  /** This viewer's id in its swarm (changes on reconnect); undefined while not joined. */
  peerId: string | undefined;
}

/** Errors are data, as in hls.js: a type, a human message, and whether playback stopped. */
export interface PlayerError {
  type: 'network' | 'media' | 'unsupported' | 'p2p' | 'channel' | 'other';
  message: string;
  fatal: boolean;
}

export interface PlayerEvents {
  /** First frame on screen. */
  playing: (startupMs: number) => void;
  stall: () => void;
  error: (error: PlayerError) => void;
}

/** A live HLS player on a `<video>` element. */
export interface MeshcastPlayer {
  readonly video: HTMLVideoElement;
  stats(): PlayerStats;
  on<K extends keyof PlayerEvents>(event: K, listener: PlayerEvents[K]): void;
  off<K extends keyof PlayerEvents>(event: K, listener: PlayerEvents[K]): void;
  /** Stops playback and releases hls.js, listeners and timers; safe to call twice. */
  destroy(): void;
}

/**
 * Creates a player for a live HLS source.
 *
 * @example
 * const player = createPlayer({ video, source: '/live/demo/master.m3u8' });
 * setInterval(() => console.log(player.stats()), 1000);
 */
export function createPlayer(options: PlayerOptions): MeshcastPlayer {
  return new HlsPlayer(options);
}

class HlsPlayer extends Emitter<PlayerEvents> implements MeshcastPlayer {
  readonly video: HTMLVideoElement;
  private readonly hls: Hls | undefined;
  private readonly engine: Engine | undefined;
  private readonly signaling: SignalingClient | undefined;
  private readonly binding: HlsBinding | undefined;
  private readonly monitor: PlaybackMonitor;
  private readonly reporter: QoeReporter | undefined;
  private cdnBytes = 0;
  private segmentsPlayed = 0;
  private switches = -1;
  private destroyed = false;

  constructor(options: PlayerOptions) {
    super();
    const { video } = options;
    this.video = video;
    video.muted = options.muted ?? true;
    this.monitor = new PlaybackMonitor(video);
    this.monitor.on('firstFrame', (ms) => {
      this.emit('playing', ms);
    });
    this.monitor.on('stallStart', () => {
      this.emit('stall');
    });

    if (!Hls.isSupported()) {
      this.hls = undefined;
      queueMicrotask(() => {
        this.emit('error', {
          type: 'unsupported',
          message: 'This browser cannot play HLS with Media Source Extensions.',
          fatal: true,
        });
      });
      return;
    }
    const p2p = (options.p2p ?? true) && options.channel !== undefined;
    if (p2p && options.channel !== undefined) {
      // WebSocket only: long-polling would hold HTTP connections that segment loads need
      // (browsers allow 6 per host, and the demo's CDN is the same host).
      this.signaling = new SignalingClient({
        url: options.serverUrl,
        socketOptions: { transports: ['websocket'] },
      });
      this.engine = new Engine({
        channel: options.channel,
        signaling: this.signaling,
        ...(options.engine && { config: options.engine }),
        ...(options.wrtc && { wrtc: options.wrtc }),
      });
      this.engine.on('p2pUnavailable', (_rendition, code, message) => {
        this.emit('error', {
          type: 'p2p',
          message: `P2P unavailable (${code}): ${message}`,
          fatal: false,
        });
      });
      this.binding = new HlsBinding(this.engine);
      this.signaling.on('channelDisabled', ({ reason }) => {
        if (reason === 'p2p-disabled') {
          this.emit('error', {
            type: 'p2p',
            message: 'P2P was switched off for this channel; playing from the CDN.',
            fatal: false,
          });
          return;
        }
        this.emit('error', {
          type: 'channel',
          message: reason === 'deleted' ? 'This channel was removed.' : 'This channel is off air.',
          fatal: true,
        });
        this.stopPlayback();
      });
    }
    if (options.channel !== undefined && (options.report ?? true)) {
      const signaling = this.signaling;
      this.reporter = new QoeReporter({
        channel: options.channel,
        ...(options.serverUrl !== undefined && { serverUrl: options.serverUrl }),
        stats: () => this.stats(),
        ...(signaling && { sendOverSocket: (r) => signaling.report(r) }),
      });
    }
    const hls = new Hls(playerHlsConfig(options.hlsConfig, this.binding));
    this.hls = hls;
    this.binding?.attach(hls, video);
    hls.on(Hls.Events.FRAG_LOADED, (_e, data) => {
      if (!this.engine) this.cdnBytes += data.frag.stats.loaded;
    });
    hls.on(Hls.Events.FRAG_CHANGED, () => {
      this.segmentsPlayed++;
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, () => {
      this.switches++;
    });
    hls.on(Hls.Events.ERROR, (_e, data) => {
      this.onHlsError(data);
    });
    hls.loadSource(options.source);
    hls.attachMedia(video);
    if (options.autoplay ?? true) {
      hls.once(Hls.Events.MANIFEST_PARSED, () => {
        video.play().catch((err: unknown) => {
          this.emit('error', {
            type: 'other',
            message: `Autoplay was blocked (${String(err)}); press play.`,
            fatal: false,
          });
        });
      });
    }
  }

  private onHlsError(data: ErrorData): void {
    const error = toPlayerError(data);
    const { type } = error;
    this.emit('error', error);
    if (!data.fatal || !this.hls) return;
    // hls.js's own recovery paths for the two recoverable fatal kinds.
    if (type === 'media') this.hls.recoverMediaError();
    else if (type === 'network') this.hls.startLoad();
  }

  stats(): PlayerStats {
    const hls = this.hls;
    const level = hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel] : undefined;
    const latency = hls?.latency;
    const e = this.engine?.stats();
    const qoe = this.monitor.qoe();
    const played = this.segmentsPlayed;
    return {
      ...qoe,
      segmentsPlayed: played,
      continuityIndex: played > 0 ? Math.max(0, played - qoe.stalls) / played : undefined,
      p2pBytes: e?.p2pBytes ?? 0,
      cdnBytes: e?.cdnBytes ?? this.cdnBytes,
      uploadBytes: e?.uploadBytes ?? 0,
      wastedBytes: e?.wastedBytes ?? 0,
      peers: e?.peers ?? 0,
      connecting: e?.connecting ?? 0,
      verifiedSegments: e?.verifiedSegments ?? 0,
      corruptSegments: e?.corruptSegments ?? 0,
      bannedPeers: e?.bannedPeers ?? 0,
      peerId: e?.peerId,
      p2pEnabled: this.engine?.p2pEnabled ?? false,
      latencySec: latency !== undefined && latency > 0 ? latency : undefined,
      rendition: level ? level.name || `${level.height}p` : undefined,
      bitrate: level?.bitrate,
      switches: Math.max(0, this.switches),
    };
  }

  /** Stops loading and playing, keeps the element (the operator took the channel off air). */
  private stopPlayback(): void {
    this.hls?.stopLoad();
    this.video.pause();
    this.engine?.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.reporter?.destroy();
    this.monitor.destroy();
    this.binding?.destroy();
    this.hls?.destroy();
    this.engine?.destroy();
    this.signaling?.destroy();
    this.removeAllListeners();
  }
}
