import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CdnError, CdnLoader } from '../../../src/core/cdn-loader.js';

/** Deterministic body of `n` bytes. */
function body(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

/** Byte-exact comparison (vitest's deep equality is slow on large typed arrays). */
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Hits per path, so a route can fail its first N requests. */
const hits = new Map<string, number>();
let server: Server;
let base: string;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const hit = (hits.get(url.pathname) ?? 0) + 1;
  hits.set(url.pathname, hit);
  const size = Number(url.searchParams.get('size') ?? '1000');
  const failFirst = Number(url.searchParams.get('fail') ?? '0');
  const [, route] = url.pathname.split('/');
  switch (route) {
    case 'ok':
      res.writeHead(200, { 'content-length': size }).end(body(size));
      return;
    case 'range': {
      // `bytes=N-` honoured; `start` overrides the start the answer claims, `hide` leaves
      // Content-Range out (as a cross-origin answer whose header CORS does not expose).
      const asked = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? NaN);
      // `always`: a 206 even to a request without a range (some CDNs do).
      const from = url.searchParams.has('always') && !Number.isFinite(asked) ? 0 : asked;
      if (!Number.isFinite(from)) {
        res.writeHead(200, { 'content-length': size }).end(body(size));
        return;
      }
      const claimed = Number(url.searchParams.get('start') ?? from);
      const headers: Record<string, string | number> = { 'content-length': size - from };
      if (!url.searchParams.has('hide')) {
        headers['content-range'] = `bytes ${claimed}-${size - 1}/${size}`;
      }
      res.writeHead(206, headers).end(body(size).subarray(from));
      return;
    }
    case 'status': {
      const code = Number(url.searchParams.get('code'));
      if (hit <= failFirst || failFirst === 0) res.writeHead(code).end('nope');
      else res.writeHead(200, { 'content-length': size }).end(body(size));
      return;
    }
    case 'drop':
      // Headers and half the body, then the connection dies: a network error mid-body.
      if (hit <= failFirst) {
        res.writeHead(200, { 'content-length': size });
        res.write(body(size).subarray(0, size / 2), () => res.socket?.destroy());
      } else res.writeHead(200, { 'content-length': size }).end(body(size));
      return;
    case 'hang':
      if (hit <= failFirst || failFirst === 0) return; // never answers
      res.writeHead(200, { 'content-length': size }).end(body(size));
      return;
    case 'slow': {
      // `parts` pieces, `gap` ms apart, no content-length (chunked).
      const parts = Number(url.searchParams.get('parts') ?? '5');
      const gap = Number(url.searchParams.get('gap') ?? '50');
      const bytes = body(size);
      const piece = Math.ceil(size / parts);
      res.writeHead(200, { 'content-type': 'video/mp2t' });
      for (let i = 0; i < parts && !res.destroyed; i++) {
        res.write(bytes.subarray(i * piece, (i + 1) * piece));
        await sleep(gap);
      }
      res.end();
      return;
    }
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let loaders: CdnLoader[] = [];
function loader(...args: ConstructorParameters<typeof CdnLoader>): CdnLoader {
  const l = new CdnLoader(...args);
  loaders.push(l);
  return l;
}
afterEach(() => {
  for (const l of loaders) l.destroy();
  loaders = [];
  hits.clear();
});

async function rejection(p: Promise<unknown>): Promise<CdnError> {
  const err: unknown = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CdnError);
  return err as CdnError;
}

describe('CdnLoader', () => {
  it('loads a body byte-exact with timings and counters', async () => {
    const cdn = loader();
    const result = await cdn.load(`${base}/ok/a?size=200000`);
    expect(sameBytes(result.bytes, body(200_000))).toBe(true);
    expect(result.status).toBe(200);
    expect(result.attempts).toBe(1);
    expect(result.url).toBe(`${base}/ok/a?size=200000`);
    expect(result.firstByteAt).toBeGreaterThanOrEqual(result.startedAt);
    expect(result.finishedAt).toBeGreaterThanOrEqual(result.firstByteAt);
    expect(cdn.stats()).toEqual({ requests: 1, bytes: 200_000, failures: 0, retries: 0 });
  });

  it('asks for the rest of a resource from a byte on and says where the bytes start', async () => {
    const cdn = loader();
    const r = await cdn.load(`${base}/range/a?size=50000`, { fromByte: 20_000 });
    expect(r.status).toBe(206);
    expect(r).toMatchObject({ offset: 20_000, size: 50_000 });
    expect(sameBytes(r.bytes, body(50_000).subarray(20_000))).toBe(true);
    expect(cdn.stats().bytes).toBe(30_000);
    // Without fromByte, the whole resource and no Range header.
    const whole = await cdn.load(`${base}/range/b?size=50000`);
    expect(whole).toMatchObject({ status: 200, offset: 0 });
    expect(whole.size).toBeUndefined();
  });

  it('takes a whole answer to a range request as offset 0 (a server without ranges)', async () => {
    const r = await loader().load(`${base}/ok/a?size=5000`, { fromByte: 1000 });
    expect(r).toMatchObject({ status: 200, offset: 0 });
    expect(r.bytes.length).toBe(5000);
  });

  it('takes a 206 covering the whole resource as the whole resource', async () => {
    const r = await loader().load(`${base}/range/a?size=5000&always`);
    expect(r).toMatchObject({ status: 206, offset: 0, size: 5000 });
    expect(sameBytes(r.bytes, body(5000))).toBe(true);
  });

  it('takes a 206 without a readable Content-Range to start where it asked', async () => {
    const r = await loader().load(`${base}/range/a?size=5000&hide`, { fromByte: 1000 });
    expect(r).toMatchObject({ status: 206, offset: 1000 });
    expect(r.size).toBeUndefined();
    expect(sameBytes(r.bytes, body(5000).subarray(1000))).toBe(true);
  });

  it('fails a 206 whose range starts elsewhere than asked, without retrying', async () => {
    const cdn = loader({ retryDelayMs: 5 });
    const err = await rejection(cdn.load(`${base}/range/a?size=5000&start=0`, { fromByte: 1000 }));
    expect(err).toMatchObject({ type: 'http', status: 206 });
    expect(cdn.stats()).toMatchObject({ requests: 1, failures: 1 });
  });

  it('loads an empty body', async () => {
    const result = await loader().load(`${base}/ok/empty?size=0`);
    expect(result.bytes.length).toBe(0);
  });

  it('retries a 503 and then succeeds', async () => {
    const cdn = loader({ retryDelayMs: 5 });
    const result = await cdn.load(`${base}/status/a?code=503&fail=2&size=5000`);
    expect(sameBytes(result.bytes, body(5000))).toBe(true);
    expect(result.attempts).toBe(3);
    expect(hits.get('/status/a')).toBe(3);
    expect(cdn.stats()).toMatchObject({ requests: 3, retries: 2, failures: 0, bytes: 5000 });
  });

  it('asks shouldRetry before each retry and fails at once on false (a peer covers)', async () => {
    const cdn = loader({ retryDelayMs: 5, retries: 3 });
    const asked: [string, number, number | undefined][] = [];
    const err = await rejection(
      cdn.load(`${base}/status/b?code=503&fail=5`, {
        shouldRetry: (e, attempt) => {
          asked.push([e.type, attempt, e.status]);
          return attempt < 2;
        },
      }),
    );
    expect(err).toMatchObject({ type: 'http', status: 503 });
    // Asked before and after each backoff wait.
    expect(asked).toEqual([
      ['http', 1, 503],
      ['http', 1, 503],
      ['http', 2, 503],
    ]);
    expect(hits.get('/status/b')).toBe(2);
    expect(cdn.stats()).toMatchObject({ requests: 2, retries: 1, failures: 1 });
    // A "no" that comes during the wait (a peer announced the segment) stops the retry too.
    const answers = [true, false];
    const waited = await rejection(
      cdn.load(`${base}/status/d?code=503&fail=5`, { shouldRetry: () => answers.shift() ?? true }),
    );
    expect(waited.status).toBe(503);
    expect(hits.get('/status/d')).toBe(1);
    // A callback that throws does not break the load: it counts as "retry".
    const ok = await cdn.load(`${base}/status/c?code=503&fail=1&size=10`, {
      shouldRetry: () => {
        throw new Error('buggy callback');
      },
    });
    expect(ok.attempts).toBe(2);
  });

  it('retries a dropped connection and then succeeds', async () => {
    const cdn = loader({ retryDelayMs: 5 });
    const result = await cdn.load(`${base}/drop/a?fail=1&size=100000`);
    expect(sameBytes(result.bytes, body(100_000))).toBe(true);
    expect(result.attempts).toBe(2);
    // The half body of the dropped attempt crossed the network too.
    expect(cdn.stats().bytes).toBeGreaterThan(100_000);
  });

  it('gives up after the configured retries with the last error', async () => {
    const cdn = loader({ retries: 1, retryDelayMs: 5 });
    const err = await rejection(cdn.load(`${base}/status/b?code=500`));
    expect(err.type).toBe('http');
    expect(err.status).toBe(500);
    expect(hits.get('/status/b')).toBe(2);
    expect(cdn.stats()).toMatchObject({ requests: 2, retries: 1, failures: 1 });
  });

  it('does not retry a 4xx', async () => {
    const cdn = loader({ retryDelayMs: 5 });
    const err = await rejection(cdn.load(`${base}/status/c?code=404`));
    expect(err.type).toBe('http');
    expect(err.status).toBe(404);
    expect(hits.get('/status/c')).toBe(1);
    expect(cdn.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
  });

  it('times out a request that never answers, and retries it', async () => {
    const cdn = loader({ timeoutMs: 150, retries: 1, retryDelayMs: 5 });
    const started = performance.now();
    const err = await rejection(cdn.load(`${base}/hang/a`));
    expect(err.type).toBe('timeout');
    expect(hits.get('/hang/a')).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('succeeds after a timed-out attempt', async () => {
    const cdn = loader({ timeoutMs: 150, retryDelayMs: 5 });
    const result = await cdn.load(`${base}/hang/b?fail=1&size=300`);
    expect(sameBytes(result.bytes, body(300))).toBe(true);
    expect(result.attempts).toBe(2);
  });

  it('times out a body that streams too slowly', async () => {
    const cdn = loader({ timeoutMs: 150, retries: 0 });
    const progress: number[] = [];
    const err = await rejection(
      cdn.load(`${base}/slow/a?size=1000&parts=10&gap=50`, { onProgress: (n) => progress.push(n) }),
    );
    expect(err.type).toBe('timeout');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBeLessThan(1000);
  });

  it('reports progress as a slow body streams, with a real first-byte time', async () => {
    const cdn = loader();
    const progress: [number, number | undefined][] = [];
    const result = await cdn.load(`${base}/slow/b?size=4000&parts=4&gap=60`, {
      onProgress: (loaded, total) => progress.push([loaded, total]),
    });
    expect(sameBytes(result.bytes, body(4000))).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toEqual([4000, undefined]);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    }
    expect(result.finishedAt - result.firstByteAt).toBeGreaterThanOrEqual(150);
  });

  it('reports the total from Content-Length', async () => {
    const totals = new Set<number | undefined>();
    await loader().load(`${base}/ok/b?size=70000`, { onProgress: (_n, t) => totals.add(t) });
    expect([...totals]).toEqual([70000]);
  });

  it('aborts on the caller signal without retrying', async () => {
    const cdn = loader({ retryDelayMs: 5 });
    const controller = new AbortController();
    const p = cdn.load(`${base}/slow/c?size=1000&parts=10&gap=50`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 80);
    const err = await rejection(p);
    expect(err.type).toBe('aborted');
    expect(hits.get('/slow/c')).toBe(1);
    expect(cdn.stats()).toMatchObject({ requests: 1, retries: 0, failures: 0 });
  });

  it('rejects at once on an already aborted signal', async () => {
    const err = await rejection(loader().load(`${base}/ok/c`, { signal: AbortSignal.abort() }));
    expect(err.type).toBe('aborted');
    expect(hits.get('/ok/c')).toBeUndefined();
  });

  it('aborts during the retry backoff', async () => {
    const cdn = loader({ retryDelayMs: 10_000 });
    const controller = new AbortController();
    const p = cdn.load(`${base}/status/d?code=503`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await rejection(p);
    expect(err.type).toBe('aborted');
    expect(hits.get('/status/d')).toBe(1);
  });

  it('destroy aborts loads in flight and refuses new ones; it is idempotent', async () => {
    const cdn = loader();
    const p = cdn.load(`${base}/hang/c`);
    await sleep(50);
    cdn.destroy();
    cdn.destroy();
    expect((await rejection(p)).type).toBe('aborted');
    expect((await rejection(cdn.load(`${base}/ok/d`))).type).toBe('aborted');
  });

  it('reports a refused connection as a network error', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const err = await rejection(loader({ retries: 0 }).load(`http://127.0.0.1:${port}/x`));
    expect(err.type).toBe('network');
  });

  it('backs off exponentially with jitter from the injected random', async () => {
    const delays: number[] = [];
    const cdn = loader(
      { retries: 3, retryDelayMs: 100 },
      {
        random: () => 0.25,
        setTimeout: (fn, ms) => {
          if (ms !== 10_000) delays.push(ms); // the attempt timeout is not a backoff
          return setTimeout(fn, ms === 10_000 ? ms : 1);
        },
      },
    );
    await rejection(cdn.load(`${base}/status/e?code=502`));
    expect(delays).toEqual([75, 150, 300]);
  });

  it('rejects an invalid config', () => {
    expect(() => new CdnLoader({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new CdnLoader({ retries: 1.5 })).toThrow(RangeError);
    expect(() => new CdnLoader({ retryDelayMs: -1 })).toThrow(RangeError);
  });
});
