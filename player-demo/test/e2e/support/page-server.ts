import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny web server on another loopback port: a second origin for embedding tests. */
export interface PageServer {
  /** e.g. `http://127.0.0.1:40123` (an origin other than the meshcast server's). */
  readonly origin: string;
  /** Serves `body` at `path` from now on. */
  set(path: string, body: string, type?: string): void;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const pages = new Map<string, { body: string; type: string }>();
  const http = createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' }).end(page.body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    set: (path, body, type = 'text/html; charset=utf-8') => {
      pages.set(path, { body, type });
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
