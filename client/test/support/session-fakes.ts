import { CdnLoader } from '../../src/core/cdn-loader.js';
import { Emitter } from '../../src/core/emitter.js';
import {
  RenditionSession,
  type RenditionSessionOptions,
  type SegmentInfo,
  type SessionPeer,
  type SessionSwarmEvents,
  zeroTrafficCounters,
} from '../../src/core/rendition-session.js';
import { PeerError } from '../../src/core/peer-error.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../../src/core/scheduler.js';

/** A session's traffic counters at zero, as a fresh engine hands them over. */
export const zeroCounters = zeroTrafficCounters;

/** The test segment `seq`: 1000 bytes, each `seq % 256`. */
export const bytesOf = (seq: number): Uint8Array<ArrayBuffer> =>
  new Uint8Array(1000).fill(seq % 256);

/** Segment `seq` of a 2 s playlist, starting at `start` s, on the fake CDN. */
export const segmentInfo = (seq: number, start: number): SegmentInfo => ({
  seq,
  url: `http://cdn.test/${seq}.ts`,
  start,
  duration: 2,
});

/** A neighbour whose answers the test controls: each request waits until the test resolves it. */
export class FakePeer implements SessionPeer {
  readonly remoteHave = new Set<number>();
  pendingRequests = 0;
  requests: { seq: number; signal?: AbortSignal; resolve: (b: Uint8Array) => void }[] = [];
  constructor(readonly id: string) {}
  throughput(): number | undefined {
    return 1000;
  }
  request(seq: number, o: { signal?: AbortSignal }): Promise<Uint8Array> {
    this.pendingRequests++;
    return new Promise((resolve, reject) => {
      this.requests.push({ seq, ...(o.signal && { signal: o.signal }), resolve });
      o.signal?.addEventListener('abort', () => {
        this.pendingRequests--;
        reject(new Error('cancelled'));
      });
    });
  }
}

type RequestOptions = Parameters<SessionPeer['request']>[1];

/** A neighbour whose transfer the test streams chunk by chunk, as a Peer reports it. */
export class StreamingPeer implements SessionPeer {
  readonly remoteHave = new Set<number>();
  /** Segments it relays as they arrive (it does not hold them whole). */
  readonly remoteArriving = new Set<number>();
  pendingRequests = 0;
  transfer:
    | { seq: number; options: RequestOptions; resolve: (b: Uint8Array) => void; fail: () => void }
    | undefined;
  constructor(readonly id: string) {}
  throughput(): number {
    return 1000;
  }
  request(seq: number, options: RequestOptions): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // `fail`: the connection closed mid-transfer.
      const fail = () => reject(new PeerError('closed', 'peer left'));
      this.transfer = { seq, options, resolve, fail };
      options.signal?.addEventListener('abort', () => reject(new Error('cancelled')));
    });
  }
  /** Delivers bytes `from .. to` of `bytes`, claiming the segment is `total` bytes long. */
  chunk(bytes: Uint8Array, from: number, to: number, total = bytes.length): void {
    this.transfer?.options.onData?.(from, bytes.subarray(from, to), total);
    this.transfer?.options.onProgress?.(to, total);
  }
}

/** A swarm of the test's peers that records what the session announces and bans. */
export class FakeSwarm<P extends SessionPeer = FakePeer> extends Emitter<SessionSwarmEvents> {
  readonly peerId = 'self';
  peers: P[] = [];
  announced: number[] = [];
  banned: string[] = [];
  connectedPeers(): P[] {
    return this.peers;
  }
  ban(peerId: string): void {
    this.banned.push(peerId);
    this.peers = this.peers.filter((p) => p.id !== peerId);
  }
  announce(added: number[]): void {
    this.announced.push(...added);
  }
  destroy(): void {
    this.removeAllListeners();
  }
}

/** Options of {@link sessionHarness}. */
export interface SessionHarnessOptions {
  /** What the fake CDN answers for segment `seq`. @default bytesOf */
  cdnBody?: (seq: number) => Uint8Array<ArrayBuffer>;
  /** More session options (a verifier, a corrupt-peer callback…). */
  session?: Partial<RenditionSessionOptions>;
  /** The fake CDN answers `Range: bytes=N-` with a 206 (as CDNs do). @default true */
  cdnRanges?: boolean;
}

/**
 * A RenditionSession of rendition `360p` on a test clock (starting at 10 s), a fake CDN that
 * records the URLs it is asked for, and a {@link FakeSwarm} attached.
 */
export function sessionHarness({
  cdnBody = bytesOf,
  session: extra = {},
  cdnRanges = true,
}: SessionHarnessOptions = {}) {
  let now = 10_000;
  const cdnUrls: string[] = [];
  /** The Range header of each CDN request ('' for none). */
  const cdnRangeHeaders: string[] = [];
  const fetch = (url: string, init?: RequestInit): Promise<Response> => {
    cdnUrls.push(url);
    const range = new Headers(init?.headers).get('range') ?? '';
    cdnRangeHeaders.push(range);
    const body = cdnBody(Number(/(\d+)\.ts$/.exec(url)?.[1]));
    const from = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? NaN);
    if (!cdnRanges || !(from < body.length)) return Promise.resolve(new Response(body));
    const headers = { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` };
    return Promise.resolve(new Response(body.subarray(from), { status: 206, headers }));
  };
  const counters = zeroCounters();
  const session = new RenditionSession({
    rendition: '360p',
    cdn: new CdnLoader({}, { fetch: fetch as typeof globalThis.fetch, now: () => now }),
    scheduler: DEFAULT_SCHEDULER_CONFIG,
    now: () => now,
    counters,
    ...extra,
  });
  // Any kind of test peer may join (FakePeer, or a test's own SessionPeer).
  const swarm = new FakeSwarm<SessionPeer>();
  session.attachSwarm(swarm);
  /** Lets promise chains run, then `ms` of real time pass (the CDN's body reads). */
  const settle = async (ms = 5): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, ms));
  };
  return {
    session,
    swarm,
    counters,
    cdnUrls,
    cdnRangeHeaders,
    settle,
    /** Moves the test clock. */
    advance: (ms: number) => (now += ms),
    /**
     * `peer` joins holding segment `seq`, which starts at `start` s with the playhead at 0;
     * the player asks for it (the scheduler asks the peer while the deadline is far).
     */
    loadHeld: async (
      peer: SessionPeer & { remoteHave: Set<number>; remoteArriving?: Set<number> },
      seq: number,
      start: number,
      /** The peer only relays the segment as it arrives: it does not hold it whole. */
      relay = false,
    ) => {
      if (relay && peer.remoteArriving) peer.remoteArriving.add(seq);
      else peer.remoteHave.add(seq);
      swarm.peers.push(peer);
      session.setPlayback({ position: 0, rate: 1 }, true);
      session.updatePlaylist([segmentInfo(seq, start)]);
      const pending = session.load(segmentInfo(seq, start));
      await settle();
      // Wrapped: an async function returning a promise would await it.
      return { pending };
    },
  };
}
