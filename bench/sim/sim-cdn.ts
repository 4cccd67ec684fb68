import type { EventQueue } from './event-queue.js';
import type { FlowNetwork, FlowNode } from './flow-network.js';
import type { LiveSource } from './live-source.js';

/** CDN-side counters, over every viewer. */
export interface CdnCounters {
  /** HTTP requests answered with a body. */
  requests: number;
  /** Body bytes sent, aborted transfers included. */
  bytes: number;
}

/** What a viewer's CDN link needs. */
export interface SimCdnLink {
  q: EventQueue;
  net: FlowNetwork;
  source: LiveSource;
  /** The viewer's access link. */
  node: FlowNode;
  /** Round trip to the CDN edge, ms. */
  rttMs: number;
  counters: CdnCounters;
  /** Records the start and end of a segment fetch (timing figures). */
  probe?: (event: 'cdn-request' | 'cdn-done', url: string) => void;
}

/** The first body bytes arrive once this many bytes flowed (a TCP first flight, roughly). */
const FIRST_READ_BYTES = 16 * 1024;

class AbortedError extends Error {
  override readonly name = 'AbortError';
}

/**
 * A `fetch` for {@link CdnLoader} that answers from the live source over simulated time: the
 * headers arrive one RTT after the request, then the body flows at the viewer's download
 * share (the CDN itself has no capacity limit). Aborting stops the flow and rejects the
 * pending read.
 */
export function createCdnFetch(link: SimCdnLink): typeof globalThis.fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const signal = init?.signal ?? undefined;
    link.probe?.('cdn-request', url);
    return new Promise<Response>((resolveFetch, rejectFetch) => {
      if (signal?.aborted) {
        rejectFetch(new AbortedError('aborted'));
        return;
      }
      let aborted = false;
      let onAbort = (): void => {
        aborted = true;
        rejectFetch(new AbortedError('aborted'));
      };
      signal?.addEventListener('abort', () => {
        onAbort();
      });
      link.q.after(link.rttMs, () => {
        if (aborted) return;
        const bytes = link.source.fetch(url, link.q.now);
        if (!bytes) {
          resolveFetch(notFound());
          return;
        }
        link.counters.requests++;
        // `Range: bytes=N-` (the rest of a segment a peer started): 206 with that tail.
        const range = /^bytes=(\d+)-$/.exec(rangeHeader(init?.headers) ?? '');
        const from = range ? Number(range[1]) : 0;
        const body = from > 0 && from < bytes.length ? bytes.subarray(from) : bytes;
        const contentRange =
          body === bytes ? undefined : `bytes ${from}-${bytes.length - 1}/${bytes.length}`;
        resolveFetch(streamBody(link, url, body, (fn) => (onAbort = fn), contentRange));
      });
    });
  };
}

function rangeHeader(headers: HeadersInit | undefined): string | undefined {
  if (!headers || headers instanceof Headers || Array.isArray(headers)) return undefined;
  return headers.Range;
}

function notFound(): Response {
  return {
    ok: false,
    status: 404,
    headers: { get: () => null },
    body: null,
  } as unknown as Response;
}

type Read = ReadableStreamReadResult<Uint8Array>;

function streamBody(
  link: SimCdnLink,
  url: string,
  bytes: Uint8Array,
  setOnAbort: (fn: () => void) => void,
  contentRange?: string,
): Response {
  const length = String(bytes.length);
  // The parts ready to read, and a read waiting for the next part.
  const ready: Read[] = [];
  let waiting: { resolve: (r: Read) => void; reject: (e: Error) => void } | undefined;
  let failed: Error | undefined;
  let firstDelivered = false;
  let finished = false;
  const push = (r: Read): void => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w.resolve(r);
    } else ready.push(r);
  };
  // The whole body is handed over at the first-byte time and the end comes when the flow
  // ends: the loader sees the real first-byte and end times, and keeps the shared bytes
  // without concatenating parts (a copy of every CDN segment would dominate the run time).
  const deliverFirst = (): void => {
    if (firstDelivered || failed) return;
    firstDelivered = true;
    push({ done: false, value: bytes });
  };
  const flow = link.net.start(undefined, link.node, bytes.length, () => {
    link.counters.bytes += bytes.length;
    link.probe?.('cdn-done', url);
    finished = true;
    deliverFirst();
    push({ done: true, value: undefined });
  });
  link.q.after(Math.min(FIRST_READ_BYTES, bytes.length) / flow.firstRate, deliverFirst);
  setOnAbort(() => {
    if (finished || failed) return;
    failed = new AbortedError('aborted');
    link.counters.bytes += link.net.stop(flow);
    waiting?.reject(failed);
    waiting = undefined;
  });
  const reader = {
    read: (): Promise<Read> => {
      const next = ready.shift();
      if (next) return Promise.resolve(next);
      if (failed) return Promise.reject(failed);
      return new Promise<Read>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
  };
  return {
    ok: true,
    status: contentRange ? 206 : 200,
    headers: {
      get: (name: string) => {
        const key = name.toLowerCase();
        if (key === 'content-range') return contentRange ?? null;
        return key === 'content-length' ? length : null;
      },
    },
    body: {
      getReader: () => reader,
      cancel: () => Promise.resolve(),
    },
  } as unknown as Response;
}
