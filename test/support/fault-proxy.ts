import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a {@link FaultProxy} did, by request kind. */
export interface FaultCounters {
  /** Media segment requests received (answered or failed). */
  segmentRequests: number;
  /** Segment requests answered 503 on purpose. */
  injected503: number;
  /** Segment requests passed on to the origin and answered 2xx (the origin's load). */
  segmentsServed: number;
  /** Bytes of those segments. */
  segmentBytes: number;
  /** Playlist requests (never failed). */
  playlistRequests: number;
}

/** Settings of a {@link FaultProxy}. */
export interface FaultProxyOptions {
  /** Share of segment requests answered 503, in [0, 1]. @default 0 */
  segment503Rate?: number;
  /** Uniform in [0, 1), to decide each fault (seed it for a reproducible run). @default Math.random */
  random?: () => number;
}

/**
 * A reverse proxy in front of an HLS origin that answers a share of the media segment requests
 * with 503 (playlists always pass), as a flaky CDN edge does, and counts the segment bytes the
 * origin served (with no faults: a counting proxy in front of any source). Paths are
 * preserved, so relative URIs in playlists keep working; every answer allows any origin (CORS).
 */
export class FaultProxy {
  readonly counters: FaultCounters = {
    segmentRequests: 0,
    injected503: 0,
    segmentsServed: 0,
    segmentBytes: 0,
    playlistRequests: 0,
  };
  /** Paths answered 503, in order (a path may repeat). */
  readonly failedPaths: string[] = [];
  private server: Server | undefined;
  private readonly origin: URL;
  private readonly rate: number;
  private readonly random: () => number;

  constructor(origin: string, options: FaultProxyOptions = {}) {
    this.origin = new URL(origin);
    this.rate = options.segment503Rate ?? 0;
    this.random = options.random ?? Math.random;
    if (!(this.rate >= 0 && this.rate <= 1)) throw new RangeError('segment503Rate not in [0, 1]');
  }

  /** Starts on a free loopback port; returns the proxy's base URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const target = new URL(req.url ?? '/', this.origin);
      const playlist = target.pathname.endsWith('.m3u8');
      const cors = { 'access-control-allow-origin': '*' };
      if (playlist) this.counters.playlistRequests++;
      else {
        this.counters.segmentRequests++;
        if (this.random() < this.rate) {
          this.counters.injected503++;
          this.failedPaths.push(target.pathname);
          res.writeHead(503, {
            ...cors,
            'content-type': 'text/plain',
            'cache-control': 'no-store',
          });
          res.end('injected fault\n');
          return;
        }
      }
      fetch(target, { headers: { accept: req.headers.accept ?? '*/*' } })
        .then(async (upstream) => {
          const body = new Uint8Array(await upstream.arrayBuffer());
          const type = upstream.headers.get('content-type') ?? 'application/octet-stream';
          // A playlist is known by its path, or else by its type (a source's own URL scheme).
          if (!playlist && upstream.ok && !/mpegurl/i.test(type)) {
            this.counters.segmentsServed++;
            this.counters.segmentBytes += body.length;
          }
          res.writeHead(upstream.status, {
            ...cors,
            'content-type': type,
            'cache-control': upstream.headers.get('cache-control') ?? 'no-cache',
          });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { ...cors, 'content-type': 'text/plain' });
          res.end(`proxy: ${String(err)}`);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Closes the proxy and its connections; safe to call twice. */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
