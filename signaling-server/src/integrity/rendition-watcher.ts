import { createHash } from 'node:crypto';
import type { SegmentHash } from './hash-store.js';
import { parseMediaSegments } from './playlist-parse.js';

/** What one watcher fetched and hashed, for /metrics and the cost figures. */
export interface WatcherCounters {
  playlistFetches: number;
  segmentFetches: number;
  segmentBytes: number;
  /** Time spent in SHA-256, ms. */
  hashMs: number;
  failures: number;
}

export interface RenditionWatcherOptions {
  swarm: string;
  /** Absolute media playlist URL. */
  playlistUrl: string;
  fetch: typeof fetch;
  /** Per request, ms. */
  timeoutMs: number;
  /** Called once per new segment, in seq order within one poll. */
  onHash: (hash: SegmentHash) => Promise<void>;
  /** Monotonic clock, ms. */
  now: () => number;
}

/** Segments remembered as seen, beyond which the oldest are forgotten. */
const MAX_SEEN = 256;

/**
 * Watches one rendition's media playlist: each {@link RenditionWatcher.poll} fetches the
 * playlist, then every segment it has not seen yet, once, and hashes it (SHA-256). A segment
 * that fails to load is tried again on the next poll.
 */
export class RenditionWatcher {
  readonly swarm: string;
  readonly counters: WatcherCounters = {
    playlistFetches: 0,
    segmentFetches: 0,
    segmentBytes: 0,
    hashMs: 0,
    failures: 0,
  };
  private readonly seen = new Set<number>();
  private readonly abort = new AbortController();
  private polling: Promise<void> | undefined;

  constructor(private readonly o: RenditionWatcherOptions) {
    this.swarm = o.swarm;
  }

  /** One pass; a pass still running is joined, not doubled. Never rejects. */
  poll(): Promise<void> {
    this.polling ??= this.pass()
      .catch(() => {
        this.counters.failures++;
      })
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  private async pass(): Promise<void> {
    const text = await this.get(this.o.playlistUrl).then((r) => r.text());
    this.counters.playlistFetches++;
    for (const segment of parseMediaSegments(text, this.o.playlistUrl)) {
      if (this.isStopped()) return;
      if (this.seen.has(segment.seq)) continue;
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await (await this.get(segment.url)).arrayBuffer());
      } catch {
        this.counters.failures++;
        continue;
      }
      this.counters.segmentFetches++;
      this.counters.segmentBytes += bytes.length;
      const t0 = this.o.now();
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      this.counters.hashMs += this.o.now() - t0;
      this.remember(segment.seq);
      if (this.isStopped()) return;
      await this.o.onHash({ seq: segment.seq, size: bytes.length, sha256 });
    }
  }

  /** A method, not a field read: it changes across awaits. */
  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async get(url: string): Promise<Response> {
    const res = await this.o.fetch(url, {
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${url}: HTTP ${res.status}`);
    }
    return res;
  }

  private remember(seq: number): void {
    this.seen.add(seq);
    if (this.seen.size > MAX_SEEN) this.seen.delete(Math.min(...this.seen));
  }

  /** Stops fetching; safe to call twice. */
  destroy(): void {
    this.abort.abort();
  }
}
