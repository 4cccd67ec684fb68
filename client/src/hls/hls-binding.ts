import type {
  Events,
  FragmentLoaderConstructor,
  default as Hls,
  Level,
  LevelLoadedData,
  LevelSwitchedData,
  ManifestParsedData,
} from 'hls.js';
import type { Engine, LoadedSegment, SegmentInfo } from '../core/engine.js';
import { createFragmentLoader } from './fragment-loader.js';

// hls.js is a peer dependency imported as types only: its event names as typed constants.
/* eslint-disable @typescript-eslint/no-unsafe-enum-assignment -- string values of Events */
const LEVEL_LOADED = 'hlsLevelLoaded' as Events.LEVEL_LOADED;
const LEVEL_UPDATED = 'hlsLevelUpdated' as Events.LEVEL_UPDATED;
const LEVEL_SWITCHED = 'hlsLevelSwitched' as Events.LEVEL_SWITCHED;
const MANIFEST_PARSED = 'hlsManifestParsed' as Events.MANIFEST_PARSED;
/* eslint-enable @typescript-eslint/no-unsafe-enum-assignment */

/** Swarm-safe rendition names from the levels: `360p`, or `360p-650k` when heights repeat. */
export function renditionNames(levels: readonly Pick<Level, 'height' | 'bitrate'>[]): string[] {
  const heights = levels.map((l) => l.height);
  return levels.map((l, i) => {
    const kbps = `${Math.round(l.bitrate / 1000)}k`;
    if (!l.height) return `level${i}-${kbps}`;
    return heights.filter((h) => h === l.height).length > 1
      ? `${l.height}p-${kbps}`
      : `${l.height}p`;
  });
}

/**
 * Connects an hls.js instance to the engine: segments load through the engine (`fLoader`),
 * every loaded media playlist feeds the engine's window, level switches move the engine to
 * the new rendition's swarm, and the playhead is polled for deadlines.
 *
 * @example
 * const binding = new HlsBinding(engine);
 * const hls = new Hls({ fLoader: binding.fragmentLoader });
 * binding.attach(hls, video);
 */
export class HlsBinding {
  /** Pass as hls.js's `fLoader` config. */
  readonly fragmentLoader: FragmentLoaderConstructor;
  private names: string[] = [];
  private hls: Hls | undefined;
  private media: HTMLMediaElement | undefined;
  private started = false;
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly engine: Engine,
    private readonly pollMs = 250,
  ) {
    this.fragmentLoader = createFragmentLoader({
      renditionOf: (level) => this.names[level],
      load: (
        rendition: string,
        segment: SegmentInfo,
        signal: AbortSignal,
      ): Promise<LoadedSegment> => this.engine.load(rendition, segment, signal),
      now: () => performance.now(),
    });
  }

  attach(hls: Hls, media: HTMLMediaElement): void {
    this.hls = hls;
    this.media = media;
    hls.on(MANIFEST_PARSED, this.onManifest);
    hls.on(LEVEL_LOADED, this.onLevel);
    hls.on(LEVEL_UPDATED, this.onLevel);
    hls.on(LEVEL_SWITCHED, this.onSwitched);
    media.addEventListener(
      'playing',
      () => {
        this.started = true;
        this.pushPlayback();
      },
      { signal: this.abort.signal },
    );
    for (const type of ['waiting', 'pause', 'seeking', 'ratechange']) {
      media.addEventListener(type, this.pushPlayback, { signal: this.abort.signal });
    }
    this.poll = setInterval(this.pushPlayback, this.pollMs);
  }

  private readonly onManifest = (_e: Events.MANIFEST_PARSED, data: ManifestParsedData): void => {
    this.names = renditionNames(data.levels);
  };

  private readonly onLevel = (
    _e: Events.LEVEL_LOADED | Events.LEVEL_UPDATED,
    data: Pick<LevelLoadedData, 'details' | 'level'>,
  ): void => {
    const rendition = this.names[data.level];
    if (rendition === undefined) return;
    const segments: SegmentInfo[] = [];
    for (const f of data.details.fragments) {
      if (typeof f.sn === 'number') {
        segments.push({ seq: f.sn, url: f.url, start: f.start, duration: f.duration });
      }
    }
    this.engine.updatePlaylist(rendition, segments);
  };

  private readonly onSwitched = (_e: Events.LEVEL_SWITCHED, data: LevelSwitchedData): void => {
    const rendition = this.names[data.level];
    if (rendition !== undefined) this.engine.setActiveRendition(rendition);
  };

  private readonly pushPlayback = (): void => {
    const m = this.media;
    if (!m) return;
    const stalled = m.readyState < 3;
    const rate = m.paused || m.seeking || stalled ? 0 : m.playbackRate;
    this.engine.setPlayback(
      { position: m.currentTime, rate: stalled && !m.paused ? 1 : rate },
      this.started,
    );
  };

  /** Removes listeners and timers (the engine and hls.js are destroyed by their owner). */
  destroy(): void {
    clearInterval(this.poll);
    this.abort.abort();
    if (this.hls) {
      this.hls.off(MANIFEST_PARSED, this.onManifest);
      this.hls.off(LEVEL_LOADED, this.onLevel);
      this.hls.off(LEVEL_UPDATED, this.onLevel);
      this.hls.off(LEVEL_SWITCHED, this.onSwitched);
    }
    this.hls = undefined;
    this.media = undefined;
  }
}
