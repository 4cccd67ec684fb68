/**
 * Early playlist refresh: a viewer whose upload is well above the stream's bitrate polls the
 * live media playlist more often than the player does, so it learns of a new segment soon
 * after it is published. Such a viewer is the one its neighbours' scheduler ranks first to
 * bring a new segment in from the CDN and the one that passes it on fastest; when it learns
 * first, it seeds first, and its neighbours, which still poll at the player's pace, find it
 * holding the segment instead of fetching their own copies (bench/sim, 1k viewers: 68.6 ->
 * 71.7 % of the bound, seed 1). The player (hls.js) is not touched: only the session learns
 * of the segments, and hls.js later loads them from the store.
 */
import createDebug from 'debug';
import type { SegmentInfo } from './rendition-session.js';

const debug = createDebug('meshcast:playlist');

/** A media segment as a playlist lists it. */
export interface ListedSegment {
  seq: number;
  url: string;
  duration: number;
}

/** What {@link parseMediaPlaylist} reads of an HLS media playlist. */
export interface MediaPlaylist {
  segments: ListedSegment[];
  /** `#EXT-X-ENDLIST`: no segment will be added. */
  ended: boolean;
}

/**
 * Reads the segments of an HLS media playlist (sequence numbers from
 * `#EXT-X-MEDIA-SEQUENCE`, durations from `#EXTINF`, URIs resolved against `baseUrl`).
 * Returns undefined for a text that is not a media playlist, or one whose segments this
 * refresh does not handle (byte ranges, a master playlist).
 */
export function parseMediaPlaylist(text: string, baseUrl: string): MediaPlaylist | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') return undefined;
  let seq = 0;
  let duration: number | undefined;
  let ended = false;
  const segments: ListedSegment[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      seq = Number(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length));
      if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
    } else if (line.startsWith('#EXTINF:')) {
      duration = Number.parseFloat(line.slice('#EXTINF:'.length));
      if (!(duration >= 0)) return undefined;
    } else if (line.startsWith('#EXT-X-BYTERANGE') || line.startsWith('#EXT-X-STREAM-INF')) {
      return undefined;
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (line !== '' && !line.startsWith('#')) {
      if (duration === undefined) return undefined;
      let url: string;
      try {
        url = new URL(line, baseUrl).href;
      } catch {
        return undefined;
      }
      segments.push({ seq, url, duration });
      seq++;
      duration = undefined;
    }
  }
  return { segments, ended };
}

/**
 * The segments of `listed` after the last one the player knows, with their start times in the
 * player's timeline: each starts where the one before it ends, from the last known segment on.
 * Empty when `listed` does not reach back to that segment (the timeline would be a guess).
 */
export function segmentsAfter(
  known: readonly SegmentInfo[],
  listed: readonly ListedSegment[],
): SegmentInfo[] {
  const last = known.at(-1);
  if (!last) return [];
  const from = listed.findIndex((s) => s.seq === last.seq);
  if (from < 0) return [];
  const out: SegmentInfo[] = [];
  let start = last.start + last.duration;
  for (const s of listed.slice(from + 1)) {
    out.push({ seq: s.seq, url: s.url, start, duration: s.duration });
    start += s.duration;
  }
  return out;
}

/** Settings of the early playlist refresh. */
export interface PlaylistRefreshConfig {
  /**
   * Refresh early only while this viewer's measured upload is at least this many times the
   * rendition's bitrate; 0 turns the refresh off. @default 1.5
   */
  uploadFactor: number;
  /** Period of the early refresh, ms. @default 500 */
  intervalMs: number;
  /** A refresh that has not answered after this long is abandoned, ms. @default 2000 */
  timeoutMs: number;
}

export const DEFAULT_PLAYLIST_REFRESH_CONFIG: PlaylistRefreshConfig = {
  uploadFactor: 1.5,
  intervalMs: 500,
  timeoutMs: 2000,
};

export interface PlaylistRefresherOptions {
  config: PlaylistRefreshConfig;
  /** Whether to refresh now (checked before every refresh). */
  wanted: () => boolean;
  /** The segments the player knows, in order (its last playlist). */
  known: () => readonly SegmentInfo[];
  /** New segments, after the player's last one. */
  onSegments: (segments: SegmentInfo[]) => void;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/**
 * Polls one media playlist every `intervalMs` while {@link PlaylistRefresherOptions.wanted}
 * says so, and hands the segments the player does not know yet to `onSegments`. A failed or
 * unreadable refresh is skipped: the player's own refresh still comes.
 */
export class PlaylistRefresher {
  private url: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: AbortController | undefined;
  private destroyed = false;

  constructor(private readonly o: PlaylistRefresherOptions) {}

  /** The playlist to refresh (the player's, once it loaded it); undefined stops the refresh. */
  setUrl(url: string | undefined): void {
    if (this.destroyed || url === this.url) return;
    this.url = url;
    this.inFlight?.abort();
    clearInterval(this.timer);
    this.timer = undefined;
    if (url === undefined || !(this.o.config.uploadFactor > 0)) return;
    this.timer = setInterval(() => void this.refresh(), this.o.config.intervalMs);
  }

  private async refresh(): Promise<void> {
    const url = this.url;
    if (url === undefined || this.inFlight || !this.o.wanted()) return;
    const abort = new AbortController();
    this.inFlight = abort;
    const timeout = setTimeout(() => abort.abort(), this.o.config.timeoutMs);
    try {
      const fetch = this.o.fetch ?? globalThis.fetch;
      const res = await fetch(url, { signal: abort.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const playlist = parseMediaPlaylist(await res.text(), res.url || url);
      if (abort.signal.aborted || this.destroyed || url !== this.url) return;
      if (!playlist) throw new Error('not a media playlist this refresh reads');
      if (playlist.ended) {
        this.setUrl(undefined);
        return;
      }
      const fresh = segmentsAfter(this.o.known(), playlist.segments);
      if (fresh.length > 0) this.o.onSegments(fresh);
    } catch (err) {
      if (!abort.signal.aborted) debug('refresh of %s failed: %s', url, String(err));
    } finally {
      clearTimeout(timeout);
      if (this.inFlight === abort) this.inFlight = undefined;
    }
  }

  /** Stops polling and abandons a refresh in flight. */
  destroy(): void {
    if (this.destroyed) return;
    this.setUrl(undefined);
    this.destroyed = true;
  }
}
