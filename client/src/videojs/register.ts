import Hls from 'hls.js';
import { EmbedError, fetchEmbedChannel } from '../embed/embed-channel.js';
import { CHANNEL_ID_PATTERN } from '../signaling/protocol.js';
import {
  MeshcastHlsSource,
  type MeshcastHlsSourceConfig,
  type MeshcastVideojsStats,
} from './hlsjs-source.js';
import type {
  MeshcastSourceOptions,
  SourceHandler,
  VideojsLike,
  VideojsPlayerLike,
} from './videojs-types.js';

/** The source type that plays through hls.js + meshcast: `{ src, type: MESHCAST_SOURCE_TYPE }`. */
export const MESHCAST_SOURCE_TYPE = 'application/x-meshcast+mpegurl';

/** Options of `player.meshcast(options)`. */
export interface MeshcastVideojsOptions extends MeshcastSourceOptions, MeshcastHlsSourceConfig {
  /** Channel id, e.g. `demo`. */
  channel: string;
  /** HLS URL to play. @default the channel's source, asked from the meshcast server */
  source?: string;
}

/** What `player.meshcast(options)` returns. */
export interface MeshcastVideojs {
  /** Settles once the source is set; rejects (and shows `player.error`) when it cannot be. */
  readonly ready: Promise<void>;
  /** Figures of the current meshcast source; undefined before it plays. */
  stats(): MeshcastVideojsStats | undefined;
}

/**
 * A video.js player once {@link registerMeshcast} ran (video.js's types do not know plugins):
 * `(videojs('player') as Player & MeshcastPluginHost).meshcast({ channel: 'demo' })`.
 */
export interface MeshcastPluginHost {
  meshcast(options: MeshcastVideojsOptions): MeshcastVideojs;
}

const registered = new WeakSet<object>();
const settings = new WeakMap<VideojsPlayerLike, MeshcastHlsSourceConfig>();
const sources = new WeakMap<VideojsPlayerLike, MeshcastHlsSource>();

function sourceHandler(videojs: VideojsLike): SourceHandler {
  const canPlayType = (type: string): '' | 'probably' =>
    type.toLowerCase() === MESHCAST_SOURCE_TYPE && Hls.isSupported() ? 'probably' : '';
  return {
    canPlayType,
    canHandleSource: (source) => (source.type ? canPlayType(source.type) : ''),
    handleSource: (source, tech) => {
      const id = tech.options_?.playerId;
      const player = id === undefined ? undefined : videojs.getPlayer(id);
      const config = player ? settings.get(player) : undefined;
      const instance = new MeshcastHlsSource(source, tech.el() as HTMLVideoElement, player, config);
      if (player) sources.set(player, instance);
      return instance;
    },
  };
}

/**
 * Registers meshcast with a video.js 8 build: a source handler for the Html5 tech that plays
 * {@link MESHCAST_SOURCE_TYPE} sources through hls.js with P2P (before VHS, which does not
 * use hls.js), and the `meshcast` plugin. Safe to call twice.
 *
 * @example
 * import videojs from 'video.js';
 * import { registerMeshcast } from '@meshcast/client/videojs';
 * registerMeshcast(videojs);
 * videojs('player').meshcast({ channel: 'demo' });
 */
export function registerMeshcast(videojs: VideojsLike): void {
  if (registered.has(videojs)) return;
  const html5 = videojs.getTech('Html5') as
    { registerSourceHandler?: (handler: SourceHandler, index?: number) => void } | undefined;
  if (typeof html5?.registerSourceHandler !== 'function') {
    throw new Error('this video.js build has no Html5 tech with source handlers');
  }
  html5.registerSourceHandler(sourceHandler(videojs), 0);
  videojs.registerPlugin(
    'meshcast',
    function (this: VideojsPlayerLike, options: MeshcastVideojsOptions) {
      return attachMeshcast(this, options);
    },
  );
  registered.add(videojs);
}

/**
 * What the `meshcast` plugin does: plays `options.channel` on `player` through hls.js +
 * meshcast. Without `options.source` it asks the meshcast server for the channel's source
 * (which also checks that this page may embed the channel).
 */
export function attachMeshcast(
  player: VideojsPlayerLike,
  options: MeshcastVideojsOptions,
): MeshcastVideojs {
  if (!CHANNEL_ID_PATTERN.test(options.channel)) {
    throw new RangeError(`meshcast: "${options.channel}" is not a channel id`);
  }
  const server = new URL(options.server ?? location.origin).origin;
  settings.set(player, {
    ...(options.hlsConfig && { hlsConfig: options.hlsConfig }),
    ...(options.engine && { engine: options.engine }),
    ...(options.maxRecoveries !== undefined && { maxRecoveries: options.maxRecoveries }),
  });
  const ready = (async () => {
    let src = options.source;
    let p2p = options.p2p ?? true;
    if (src === undefined) {
      const info = await fetchEmbedChannel(server, options.channel);
      src = info.sourceUrl;
      p2p &&= info.p2pEnabled;
    }
    player.src({
      src,
      type: MESHCAST_SOURCE_TYPE,
      meshcast: { channel: options.channel, server, p2p },
    });
  })();
  ready.catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const type = err instanceof EmbedError ? err.type : 'other';
    player.trigger({ type: 'meshcasterror', error: { type, message, fatal: true } });
    player.error(message);
  });
  return { ready, stats: () => meshcastStats(player) };
}

/** Figures of the meshcast source playing in `player`, if one is. */
export function meshcastStats(player: VideojsPlayerLike): MeshcastVideojsStats | undefined {
  return sources.get(player)?.stats();
}
