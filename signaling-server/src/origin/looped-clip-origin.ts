import { Router, type Request, type Response } from 'express';
import type { Clip } from './clip.js';
import {
  isSegmentAvailable,
  clipIndexOf,
  renderMediaPlaylist,
  renderMultivariantPlaylist,
  type LiveWindowOptions,
} from './live-window.js';

export interface LoopedClipOriginOptions {
  clip: Clip;
  /** Segments listed in each media playlist. */
  windowSegments: number;
  /** When sequence 0 started, ms since the Unix epoch. */
  epochMs: number;
  /** Wall clock, ms since the epoch. @default Date.now */
  now?: () => number;
}

/** Bytes the origin has served, for benchmarks that count CDN load server-side. */
export interface OriginStats {
  playlistRequests: number;
  segmentRequests: number;
  segmentBytes: number;
}

const SEGMENT_PATH = /^(\d{1,15})\.ts$/;

/**
 * An HLS live origin that loops a clip: `master.m3u8`, `<rendition>/index.m3u8` (a sliding
 * window advancing in real time) and `<rendition>/<seq>.ts`. Mount it under any path.
 */
export class LoopedClipOrigin {
  readonly router: Router;
  private readonly counters: OriginStats = {
    playlistRequests: 0,
    segmentRequests: 0,
    segmentBytes: 0,
  };
  private readonly now: () => number;
  private readonly window: LiveWindowOptions;

  constructor(private readonly options: LoopedClipOriginOptions) {
    const { clip } = options;
    this.now = options.now ?? Date.now;
    const loopLength = clip.renditions[0]?.segments.length ?? 0;
    this.window = {
      epochMs: options.epochMs,
      segmentDuration: clip.segmentDuration,
      loopLength,
      windowSegments: options.windowSegments,
    };
    this.router = Router();
    this.router.use((_req, res, next) => {
      // Any page may play the stream (hls.js fetches it cross-origin in embeds).
      res.setHeader('Access-Control-Allow-Origin', '*');
      // The player completes a segment a peer left half done with a range request.
      res.setHeader('Access-Control-Expose-Headers', 'Content-Range');
      next();
    });
    this.router.get('/master.m3u8', (_req, res) => {
      this.servePlaylist(res, this.multivariantPlaylist());
    });
    this.router.get('/:rendition/index.m3u8', (req, res) => {
      const playlist = this.mediaPlaylist(req.params.rendition);
      if (playlist === undefined) {
        notFound(res, 'unknown rendition');
        return;
      }
      this.servePlaylist(res, playlist);
    });
    this.router.get('/:rendition/:segment', (req, res) => {
      this.serveSegment(req, res);
    });
  }

  /** Rendition names, highest quality first. */
  get renditions(): string[] {
    return this.options.clip.renditions.map((r) => r.name);
  }

  stats(): OriginStats {
    return { ...this.counters };
  }

  multivariantPlaylist(): string {
    const { clip } = this.options;
    return renderMultivariantPlaylist(
      clip.renditions.map((r) => ({
        uri: `${r.name}/index.m3u8`,
        bandwidth: r.bandwidth,
        averageBandwidth: r.averageBandwidth,
        width: r.width,
        height: r.height,
        codecs: clip.codecs,
      })),
    );
  }

  /** The media playlist of a rendition now, or undefined for an unknown rendition. */
  mediaPlaylist(rendition: string): string | undefined {
    if (!this.options.clip.renditions.some((r) => r.name === rendition)) return undefined;
    return renderMediaPlaylist(this.now(), { ...this.window, segmentUri: (seq) => `${seq}.ts` });
  }

  private servePlaylist(res: Response, body: string): void {
    this.counters.playlistRequests++;
    res
      .status(200)
      .type('application/vnd.apple.mpegurl')
      .setHeader('Cache-Control', 'no-cache, no-store')
      .send(body);
  }

  private serveSegment(req: Request, res: Response): void {
    const rendition = this.options.clip.renditions.find((r) => r.name === req.params.rendition);
    if (!rendition) return notFound(res, 'unknown rendition');
    const match = SEGMENT_PATH.exec(String(req.params.segment));
    if (!match) return notFound(res, 'not a segment');
    const seq = Number(match[1]);
    if (!isSegmentAvailable(seq, this.now(), this.window)) {
      return notFound(res, 'segment expired or not yet live');
    }
    const body = rendition.segments[clipIndexOf(seq, this.window.loopLength)];
    if (!body) return notFound(res, 'segment missing');
    this.counters.segmentRequests++;
    res
      .type('video/mp2t')
      .setHeader('Cache-Control', 'public, max-age=60, immutable')
      .setHeader('Accept-Ranges', 'bytes');
    // One byte range (`Range: bytes=N-` or `N-M`) gets a 206; several, or a malformed one, the
    // whole segment; one past the end a 416.
    const ranges = req.range(body.length);
    if (ranges === -1) {
      res.status(416).setHeader('Content-Range', `bytes */${body.length}`).end();
      return;
    }
    const range = Array.isArray(ranges) && ranges.length === 1 ? ranges[0] : undefined;
    const sent = range ? body.subarray(range.start, range.end + 1) : body;
    this.counters.segmentBytes += sent.length;
    if (range) {
      res
        .status(206)
        .setHeader('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`);
    } else res.status(200);
    res.send(sent);
  }
}

function notFound(res: Response, error: string): void {
  res.status(404).json({ error });
}
