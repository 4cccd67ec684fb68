import { Emitter } from '../core/emitter.js';
import {
  createPlayer,
  type MeshcastPlayer,
  type PlayerError,
  type PlayerOptions,
  type PlayerStats,
} from '../player/player.js';
import { EmbedError, fetchEmbedChannel, type EmbedChannel } from './embed-channel.js';
import type { EmbedOptions } from './embed-options.js';
import { EmbedView } from './embed-view.js';

/** An error as data, like {@link PlayerError}, with the embed's own start-up types. */
export interface EmbedPlayerError {
  type: PlayerError['type'] | EmbedError['type'] | 'bad-option';
  message: string;
  /** Whether playback stopped (the message is then shown over the video). */
  fatal: boolean;
}

export interface EmbedPlayerEvents {
  /** The channel is known and the player created. */
  ready: (channel: EmbedChannel) => void;
  /** First frame on screen. */
  playing: (startupMs: number) => void;
  stall: () => void;
  /** A statistics snapshot, every `statsIntervalMs`. */
  stats: (stats: PlayerStats) => void;
  error: (error: EmbedPlayerError) => void;
}

/** What an embedded player uses from outside; tests inject their own. */
export interface EmbedPlayerPlatform {
  createPlayer: (options: PlayerOptions) => MeshcastPlayer;
  fetch: typeof fetch;
}

/** How an {@link EmbedPlayer} sits in the page. */
export interface EmbedPlayerSettings {
  /** @default the browser's fetch and createPlayer */
  platform?: EmbedPlayerPlatform;
  /** `destroy()` also removes the shadow root's host element. @default false */
  removeHost?: boolean;
  /** Called once, at the end of `destroy()`. @default undefined */
  onDestroy?: () => void;
}

const BROWSER: EmbedPlayerPlatform = {
  createPlayer,
  fetch: (input, init) => fetch(input, init),
};

/**
 * One embedded player: asks the server about the channel (which also checks that this page
 * may embed it), then plays it with {@link createPlayer} inside a shadow root. What
 * `Meshcast.mount` returns and what `<meshcast-player>` holds.
 */
export class EmbedPlayer extends Emitter<EmbedPlayerEvents> {
  readonly options: EmbedOptions;
  readonly video: HTMLVideoElement;
  private readonly view: EmbedView;
  private readonly platform: EmbedPlayerPlatform;
  private readonly settings: EmbedPlayerSettings;
  private readonly abort = new AbortController();
  private inner: MeshcastPlayer | undefined;
  private info: EmbedChannel | undefined;
  private lastError: EmbedPlayerError | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private destroyed = false;

  /**
   * Renders into `root`; `options.server` must be set (see `mergeEmbedOptions`).
   */
  constructor(
    private readonly root: ShadowRoot,
    options: EmbedOptions,
    settings: EmbedPlayerSettings = {},
  ) {
    super();
    this.platform = settings.platform ?? BROWSER;
    this.settings = settings;
    this.options = { ...options };
    this.view = new EmbedView(root);
    this.video = this.view.video;
    this.update(options);
    void this.start();
  }

  /** The channel, once the server answered. */
  get channel(): EmbedChannel | undefined {
    return this.info;
  }

  /** The underlying player, once created. */
  get player(): MeshcastPlayer | undefined {
    return this.inner;
  }

  /** The last fatal error, if playback stopped. */
  get error(): EmbedPlayerError | undefined {
    return this.lastError;
  }

  /** A statistics snapshot; undefined until the player exists. */
  stats(): PlayerStats | undefined {
    return this.inner?.stats();
  }

  /** Applies the options that can change while playing. */
  update(options: Partial<Pick<EmbedOptions, 'muted' | 'poster' | 'controls' | 'stats'>>): void {
    Object.assign(this.options, options);
    const v = this.video;
    if (options.muted !== undefined) v.muted = options.muted;
    if (options.controls !== undefined) v.controls = options.controls;
    if ('poster' in options) {
      if (options.poster) v.poster = options.poster;
      else v.removeAttribute('poster');
    }
    if (options.stats !== undefined) {
      this.view.setStatsVisible(options.stats);
      const s = this.stats();
      if (s) this.view.renderStats(s);
    }
  }

  private async start(): Promise<void> {
    const { server, channel } = this.options;
    let info: EmbedChannel;
    try {
      if (server === undefined) throw new EmbedError('bad-response', 'no server origin');
      info = await fetchEmbedChannel(server, channel, this.abort.signal, this.platform.fetch);
    } catch (err) {
      if (this.destroyed) return;
      const e = err instanceof EmbedError ? err : new EmbedError('bad-response', String(err));
      this.fail({ type: e.type, message: e.message, fatal: true });
      return;
    }
    if (this.destroyed) return;
    this.info = info;
    const player = this.platform.createPlayer({
      video: this.video,
      source: info.sourceUrl,
      channel: info.id,
      p2p: this.options.p2p && info.p2pEnabled,
      serverUrl: server,
      autoplay: this.options.autoplay,
      muted: this.options.muted,
      engine: { uploadCap: this.options.uploadCap, downloadOnly: this.options.downloadOnly },
    });
    this.inner = player;
    player.on('playing', (ms) => {
      this.lastError = undefined;
      this.view.hideError();
      this.emit('playing', ms);
    });
    player.on('stall', () => this.emit('stall'));
    player.on('error', (e) => {
      if (e.fatal) this.fail(e);
      else this.emit('error', e);
    });
    this.timer = setInterval(() => {
      const s = player.stats();
      this.view.renderStats(s);
      this.emit('stats', s);
    }, this.options.statsIntervalMs);
    this.emit('ready', info);
  }

  private fail(error: EmbedPlayerError): void {
    this.lastError = error;
    this.view.showError(error.message);
    this.emit('error', error);
  }

  /** Stops playback, closes the peer connections and removes the player's DOM; idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.abort.abort();
    clearInterval(this.timer);
    this.inner?.destroy();
    this.inner = undefined;
    this.view.destroy();
    if (this.settings.removeHost) this.root.host.remove();
    this.removeAllListeners();
    this.settings.onDestroy?.();
  }
}
