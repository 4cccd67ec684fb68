import { markImmutable } from '../../client/src/core/arrival.js';
import type { SegmentInfo } from '../../client/src/core/rendition-session.js';
import type { Random } from './random.js';

/** Settings of the simulated live stream. */
export interface LiveSourceConfig {
  /** Segment duration, ms. */
  segmentMs: number;
  /** Media bitrate, bits/s. */
  bitrate: number;
  /** Segment sizes vary uniformly by this fraction around bitrate x duration. */
  sizeJitter: number;
  /** Segments listed in the media playlist (sliding window). */
  windowSegments: number;
}

/**
 * A live HLS rendition: segment `seq` covers media time [seq D, (seq + 1) D) and is published
 * (on the CDN and in the playlist) at virtual time (seq + 1) D, when the encoder finished it.
 * Every viewer shares the same bytes of a segment (stores keep references, never copies).
 */
export class LiveSource {
  private readonly infos = new Map<number, SegmentInfo>();
  private readonly bytes = new Map<number, Uint8Array>();
  private readonly byUrl = new Map<string, number>();

  constructor(
    readonly config: LiveSourceConfig,
    private readonly random: Random,
  ) {}

  /** Bytes of an average segment. */
  get meanBytes(): number {
    return (this.config.bitrate / 8) * (this.config.segmentMs / 1000);
  }

  /** The newest published segment at time `now`, or -1. */
  edge(now: number): number {
    return Math.floor(now / this.config.segmentMs) - 1;
  }

  /** The playlist at time `now`: the newest `windowSegments` published segments. */
  playlist(now: number): SegmentInfo[] {
    const edge = this.edge(now);
    const out: SegmentInfo[] = [];
    for (let seq = Math.max(0, edge - this.config.windowSegments + 1); seq <= edge; seq++) {
      out.push(this.info(seq));
    }
    return out;
  }

  info(seq: number): SegmentInfo {
    let info = this.infos.get(seq);
    if (!info) {
      const d = this.config.segmentMs / 1000;
      info = { seq, url: `sim://cdn/live/${seq}.ts`, start: seq * d, duration: d };
      this.infos.set(seq, info);
      this.byUrl.set(info.url, seq);
      const jitter = 1 + this.config.sizeJitter * (2 * this.random() - 1);
      const bytes = new Uint8Array(Math.round(this.meanBytes * jitter));
      markImmutable(bytes.buffer); // relays keep views of it, not copies
      this.bytes.set(seq, bytes);
    }
    return info;
  }

  /** The sequence number of a segment URL. */
  seqOf(url: string): number | undefined {
    return this.byUrl.get(url);
  }

  /** The bytes of a published segment by URL, or undefined (not published or gone). */
  fetch(url: string, now: number): Uint8Array | undefined {
    const seq = this.byUrl.get(url);
    if (seq === undefined || seq > this.edge(now)) return undefined;
    return this.bytes.get(seq);
  }

  /** The bytes of a segment by sequence number (a peer transfer's chunks are views of them). */
  bytesOf(seq: number): Uint8Array | undefined {
    return this.bytes.get(seq);
  }

  /** Forgets segments older than `seq` (memory). */
  forgetBefore(seq: number): void {
    for (const s of this.bytes.keys()) {
      if (s >= seq) break;
      const info = this.infos.get(s);
      if (info) this.byUrl.delete(info.url);
      this.infos.delete(s);
      this.bytes.delete(s);
    }
  }
}
