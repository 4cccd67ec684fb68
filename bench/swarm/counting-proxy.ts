import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bytes of media segments the origin served through the proxy, over time. */
export interface OriginCounter {
  segmentBytes: number;
  segmentRequests: number;
}

/**
 * A reverse proxy in front of any HLS origin that counts the segment bytes it actually served
 * (the server-side view of CDN load). Playlists and segments pass through unchanged;
 * relative URIs in playlists keep working because paths are preserved.
 */
export class CountingProxy {
  readonly counter: OriginCounter = { segmentBytes: 0, segmentRequests: 0 };
  private server: Server | undefined;
  private origin: URL;

  constructor(origin: string) {
    this.origin = new URL(origin);
  }

  /** Starts on a free loopback port; returns the proxy's base URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const target = new URL(req.url ?? '/', this.origin);
      fetch(target, { headers: { accept: req.headers.accept ?? '*/*' } })
        .then(async (upstream) => {
          const body = new Uint8Array(await upstream.arrayBuffer());
          const type = upstream.headers.get('content-type') ?? '';
          if (upstream.ok && !/mpegurl/i.test(type) && !target.pathname.endsWith('.m3u8')) {
            this.counter.segmentBytes += body.length;
            this.counter.segmentRequests++;
          }
          res.writeHead(upstream.status, {
            'content-type': type || 'application/octet-stream',
            'access-control-allow-origin': '*',
            'cache-control': upstream.headers.get('cache-control') ?? 'no-cache',
          });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${String(err)}`);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
