import Hls, { type ErrorData, type HlsConfig } from 'hls.js';
import { Engine, type EngineConfig } from '../core/engine.js';
import { HlsBinding } from '../hls/hls-binding.js';
import { playerHlsConfig } from '../hls/p2p-hls-config.js';
import { toPlayerError } from '../player/hls-error.js';
import { PlaybackMonitor, type PlaybackQoe } from '../player/playback-monitor.js';
import type { PlayerError } from '../player/player.js';
import { SignalingClient } from '../signaling/signaling-client.js';
import { QualityLevelsBridge } from './quality-levels.js';
import type { SourceHandlerInstance, VideojsPlayerLike, VideojsSource } from './videojs-types.js';

/** Figures of a video.js player playing through meshcast. */
export interface MeshcastVideojsStats extends PlaybackQoe {
  /** Segment bytes from peers; 0 while P2P is off. */
  p2pBytes: number;
  /** Segment bytes from the CDN. */
  cdnBytes: number;
  /** Segment bytes sent to peers. */
  uploadBytes: number;
  /** Connected peers. */
  peers: number;
  /** Peer connections still opening (signalling, ICE). */
  connecting: number;
  p2pEnabled: boolean;
  /** Current rendition, e.g. `360p`. */
  rendition: string | undefined;
  /** Seconds behind the live edge. */
  latencySec: number | undefined;
}

/** Settings of one meshcast source beyond the source object. */
export interface MeshcastHlsSourceConfig {
  /**
   * Extra hls.js config, merged over meshcast's. With P2P on, meshcast's includes
   * `liveSyncDurationCount: 3.5` unless this sets any live sync setting (see
   * P2P_LIVE_SYNC_SEGMENTS). @default {}
   */
  hlsConfig?: Partial<HlsConfig>;
  /** P2P engine settings. @default DEFAULT_ENGINE_CONFIG */
  engine?: Partial<EngineConfig>;
  /** Fatal hls.js errors of one kind recovered before giving up. @default 3 */
  maxRecoveries?: number;
}

/**
 * One meshcast source playing in video.js's Html5 tech: hls.js with the meshcast fragment
 * loader on the tech's `<video>`, the P2P engine and its signaling, and the bridge to
 * `player.qualityLevels()`. video.js's controls and media events work unchanged (they come
 * from the `<video>`). Errors go to the player as `meshcasterror` events; fatal ones that
 * hls.js cannot recover become `player.error()`.
 */
export class MeshcastHlsSource implements SourceHandlerInstance {
  readonly hls: Hls;
  private readonly engine: Engine | undefined;
  private readonly signaling: SignalingClient | undefined;
  private readonly binding: HlsBinding | undefined;
  private readonly monitor: PlaybackMonitor;
  private readonly quality: QualityLevelsBridge | undefined;
  private readonly recoveries = { media: 0, network: 0 };
  private cdnBytes = 0;
  private disposed = false;

  constructor(
    source: VideojsSource,
    video: HTMLVideoElement,
    private readonly player: VideojsPlayerLike | undefined,
    private readonly config: MeshcastHlsSourceConfig = {},
  ) {
    const { channel, server, p2p = true } = source.meshcast ?? {};
    this.monitor = new PlaybackMonitor(video);
    if (p2p && channel !== undefined) {
      this.signaling = new SignalingClient({
        url: server,
        socketOptions: { transports: ['websocket'] },
      });
      this.engine = new Engine({
        channel,
        signaling: this.signaling,
        ...(config.engine && { config: config.engine }),
      });
      this.engine.on('p2pUnavailable', (_rendition, code, message) => {
        this.report({
          type: 'p2p',
          message: `P2P unavailable (${code}): ${message}`,
          fatal: false,
        });
      });
      this.binding = new HlsBinding(this.engine);
    }
    this.hls = new Hls(playerHlsConfig(config.hlsConfig, this.binding));
    this.binding?.attach(this.hls, video);
    const levels = player?.qualityLevels?.();
    if (levels) this.quality = new QualityLevelsBridge(this.hls, levels);
    this.hls.on(Hls.Events.FRAG_LOADED, (_e, data) => {
      if (!this.engine) this.cdnBytes += data.frag.stats.loaded;
    });
    this.hls.on(Hls.Events.ERROR, (_e, data) => {
      this.onError(data);
    });
    this.hls.loadSource(source.src);
    this.hls.attachMedia(video);
  }

  private onError(data: ErrorData): void {
    const error = toPlayerError(data);
    const { type } = error;
    this.report(error);
    if (!data.fatal) return;
    const max = this.config.maxRecoveries ?? 3;
    if (type === 'media' && this.recoveries.media++ < max) {
      this.hls.recoverMediaError();
    } else if (type === 'network' && this.recoveries.network++ < max) {
      this.hls.startLoad();
    } else {
      this.player?.error(`Playback failed (${type}): ${error.message}`);
    }
  }

  private report(error: PlayerError): void {
    if (this.player?.isDisposed?.() === true) return;
    this.player?.trigger({ type: 'meshcasterror', error });
  }

  stats(): MeshcastVideojsStats {
    const e = this.engine?.stats();
    const level = this.hls.levels[this.hls.currentLevel];
    const latency = this.hls.latency;
    return {
      ...this.monitor.qoe(),
      p2pBytes: e?.p2pBytes ?? 0,
      cdnBytes: e?.cdnBytes ?? this.cdnBytes,
      uploadBytes: e?.uploadBytes ?? 0,
      peers: e?.peers ?? 0,
      connecting: e?.connecting ?? 0,
      p2pEnabled: this.engine?.p2pEnabled ?? false,
      rendition: e?.rendition ?? (level ? `${level.height}p` : undefined),
      latencySec: latency > 0 ? latency : undefined,
    };
  }

  /** Called by video.js on a source change or tech dispose; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.quality?.destroy();
    this.monitor.destroy();
    this.binding?.destroy();
    this.hls.destroy();
    this.engine?.destroy();
    this.signaling?.destroy();
  }
}
