import type {
  FragmentLoaderConstructor,
  FragmentLoaderContext,
  HlsConfig,
  Loader,
  LoaderCallbacks,
  LoaderConfiguration,
  LoaderStats,
} from 'hls.js';
import type { LoadedSegment, SegmentInfo } from '../core/engine.js';

/** What the fragment loader needs from the binding: which rendition, and the engine's load. */
export interface FragmentSource {
  /** The rendition name of an hls.js level index; undefined routes the load to plain HTTP. */
  renditionOf(level: number): string | undefined;
  load(rendition: string, segment: SegmentInfo, signal: AbortSignal): Promise<LoadedSegment>;
  now(): number;
}

function newStats(): LoaderStats {
  return {
    aborted: false,
    loaded: 0,
    retry: 0,
    total: 0,
    chunkCount: 0,
    bwEstimate: 0,
    loading: { start: 0, first: 0, end: 0 },
    parsing: { start: 0, end: 0 },
    buffering: { start: 0, first: 0, end: 0 },
  };
}

/**
 * An hls.js `fLoader` class that loads media segments through the meshcast engine. Loads it
 * cannot route (init segments, byte ranges, unknown levels) go to hls.js's own loader.
 * Reported stats carry the real transfer timing (CDN or peer), not the time a prefetched
 * segment waited in the store, so hls.js's ABR keeps measuring real throughput.
 */
export function createFragmentLoader(source: FragmentSource): FragmentLoaderConstructor {
  return class MeshcastFragmentLoader implements Loader<FragmentLoaderContext> {
    context: FragmentLoaderContext | null = null;
    stats: LoaderStats = newStats();
    private fallback: Loader<FragmentLoaderContext> | undefined;
    private abortController: AbortController | undefined;
    private timer: ReturnType<typeof setTimeout> | undefined;
    private callbacks: LoaderCallbacks<FragmentLoaderContext> | undefined;

    constructor(private readonly hlsConfig: HlsConfig) {}

    load(
      context: FragmentLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<FragmentLoaderContext>,
    ): void {
      this.context = context;
      const frag = context.frag;
      const rendition = source.renditionOf(frag.level);
      // hls.js sets rangeStart = rangeEnd = 0 for whole-resource loads.
      const ranged = (context.rangeEnd ?? 0) > 0 || (context.rangeStart ?? 0) > 0;
      if (typeof frag.sn !== 'number' || ranged || rendition === undefined) {
        const Default = this.hlsConfig.loader as new (
          c: HlsConfig,
        ) => Loader<FragmentLoaderContext>;
        this.fallback = new Default(this.hlsConfig);
        this.stats = this.fallback.stats;
        this.fallback.load(context, config, callbacks);
        return;
      }
      this.callbacks = callbacks;
      const stats = (this.stats = newStats());
      stats.loading.start = source.now();
      const abort = (this.abortController = new AbortController());
      const limit = config.loadPolicy.maxLoadTimeMs;
      if (limit > 0 && Number.isFinite(limit)) {
        this.timer = setTimeout(() => {
          abort.abort();
          callbacks.onTimeout(stats, context, null);
        }, limit);
      }
      const segment = { seq: frag.sn, url: frag.url, start: frag.start, duration: frag.duration };
      source.load(rendition, segment, abort.signal).then(
        (loaded) => {
          if (abort.signal.aborted) return;
          clearTimeout(this.timer);
          const now = source.now();
          const { start, first, end } = loaded.timing;
          stats.loading.start = Math.max(stats.loading.start, now - (end - start));
          stats.loading.first = Math.min(now, stats.loading.start + (first - start));
          stats.loading.end = now;
          stats.loaded = stats.total = loaded.bytes.length;
          stats.chunkCount = 1;
          // hls.js transfers the buffer to its worker (detaching it): hand over a copy, the
          // store keeps serving the original to peers.
          const data = loaded.bytes.slice().buffer;
          callbacks.onSuccess({ url: context.url, data }, stats, context, null);
        },
        (err: unknown) => {
          if (abort.signal.aborted) return;
          clearTimeout(this.timer);
          callbacks.onError({ code: 0, text: String(err) }, context, null, stats);
        },
      );
    }

    abort(): void {
      if (this.fallback) {
        this.fallback.abort();
        return;
      }
      if (!this.abortController || this.abortController.signal.aborted) return;
      clearTimeout(this.timer);
      this.abortController.abort();
      this.stats.aborted = true;
      if (this.context) this.callbacks?.onAbort?.(this.stats, this.context, null);
    }

    destroy(): void {
      if (this.fallback) this.fallback.destroy();
      else if (this.abortController && !this.abortController.signal.aborted) {
        clearTimeout(this.timer);
        this.abortController.abort();
      }
      this.callbacks = undefined;
      this.context = null;
    }
  };
}
