import createDebug from 'debug';
import { Arrival, type ArrivalSource } from './arrival.js';
import { concatBytes, equalBytes } from './bytes.js';
import { CdnError, type CdnLoader } from './cdn-loader.js';
import { PeerError } from './peer-error.js';
import {
  cdnFetchMs,
  cdnLineMs,
  MIN_RANGE_HEAD_BYTES,
  schedule,
  type PlaybackState,
  type SchedulerAction,
  type SchedulerConfig,
  type SchedulerInput,
  type SegmentState,
} from './scheduler.js';
import { SegmentStore, type SegmentSource, type SegmentStoreConfig } from './segment-store.js';
import type { SegmentVerifier } from './segment-verifier.js';

const debug = createDebug('meshcast:session');

/** What a session needs of a neighbour. `Peer` implements it; the simulator has its own. */
export interface SessionPeer {
  readonly id: string;
  /** Segments it announced it holds. */
  readonly remoteHave: ReadonlySet<number>;
  /** Segments it announced it is receiving (it relays them as they arrive). */
  readonly remoteArriving?: ReadonlySet<number>;
  /** Our requests to it in flight. */
  readonly pendingRequests: number;
  /** Measured throughput to us, bytes/ms. */
  throughput(): number | undefined;
  /** Until when (clock ms) it said its upload is saturated; 0 or undefined if never. */
  readonly busyUntil?: number;
  /** Its advertised upload rate, bytes/ms. */
  readonly remoteUploadRate?: number | undefined;
  /**
   * Asks for segment `seq`, or its bytes from `from` on (a complete holder serves those);
   * resolves with the bytes asked for. Progress counts from the segment's start.
   */
  request(
    seq: number,
    options: {
      signal?: AbortSignal;
      from?: number;
      onProgress?: (received: number, total: number) => void;
      onData?: (offset: number, chunk: Uint8Array, total: number) => void;
    },
  ): Promise<Uint8Array>;
}

export interface SessionSwarmEvents {
  have: (peer: SessionPeer) => void;
  peerConnected: (peer: SessionPeer) => void;
  peerClosed: (peer: SessionPeer) => void;
}

/** What a session needs of its swarm. `Swarm` implements it; the simulator has its own. */
export interface SessionSwarm {
  /** Our id in the swarm, once joined. */
  readonly peerId: string | undefined;
  connectedPeers(): readonly SessionPeer[];
  /** Connections still opening (signalling, ICE). @default none counted */
  connectingCount?(): number;
  /** Disconnects a neighbour and never connects to it again (it sent corrupt bytes). */
  ban?(peerId: string): void;
  /** Tells every neighbour of a buffer-map change. */
  announce(added: number[], removed: number[]): void;
  /** Tells every neighbour which segments started or stopped arriving (cut-through relay). */
  announceArriving?(added: number[], removed: number[]): void;
  on<K extends keyof SessionSwarmEvents>(event: K, listener: SessionSwarmEvents[K]): unknown;
  destroy(): void;
}

/** A media segment as the playlist lists it. */
export interface SegmentInfo {
  /** Media sequence number. */
  seq: number;
  /** Absolute URL on the CDN. */
  url: string;
  /** Start in the player's media timeline, seconds. */
  start: number;
  duration: number;
}

/** A loaded segment and the timing of the transfer that brought it (for ABR). */
export interface LoadedSegment {
  seq: number;
  bytes: Uint8Array;
  source: SegmentSource;
  /** Transfer start, first byte and end, on the engine clock (ms). */
  timing: { start: number; first: number; end: number };
}

/** Traffic counters of one session, all in segment bytes. */
export interface TrafficCounters {
  p2pBytes: number;
  cdnBytes: number;
  uploadBytes: number;
  /** Bytes of cancelled or failed peer transfers. */
  wastedBytes: number;
  p2pSegments: number;
  cdnSegments: number;
}

/** Traffic counters at zero, as an engine starts them. */
export function zeroTrafficCounters(): TrafficCounters {
  return {
    p2pBytes: 0,
    cdnBytes: 0,
    uploadBytes: 0,
    wastedBytes: 0,
    p2pSegments: 0,
    cdnSegments: 0,
  };
}

interface Waiter {
  resolve: (s: LoadedSegment) => void;
  reject: (e: Error) => void;
}

/** A peer that sent a segment's bytes from `from` on (up to the next sender's `from`). */
interface Sender {
  peerId: string;
  from: number;
  /**
   * Whether its bytes are its own verified copy's: it held the segment whole when asked, or it
   * sent the segment's last byte (a relay withholds that until its copy verified). A relay cut
   * off before its end sent what its own upstream sent, unverified: an upstream liar's bytes
   * would be blamed on an honest relay.
   */
  vouched: boolean;
}

interface Runtime {
  state: SegmentState;
  info?: SegmentInfo;
  abort?: AbortController;
  waiters: Waiter[];
  timing?: LoadedSegment['timing'];
  /** No new CDN attempt before this time (after a failure). */
  retryAfter?: number;
  /** The peer transfer in progress, as our own peer servers relay it. */
  arrival?: Arrival;
  /**
   * The peer transfer in progress: the segment's bytes so far (a contiguous prefix: a kept
   * head and what the transfer brought after it), and the peers that sent them.
   */
  inbound?: {
    senders: readonly Sender[];
    total: () => number | undefined;
    prefix: () => Uint8Array;
  };
  /**
   * Bytes cancelled or failed peer transfers left (the peers that sent them, and when the
   * first of them started and first brought bytes): a complete holder or the CDN is asked only
   * for the rest.
   */
  partial?: {
    senders: readonly Sender[];
    bytes: Uint8Array;
    total: number;
    start: number;
    first: number;
  };
  /**
   * Bytes `0 .. end` of the segment came from several peers and did not match its hash: once
   * the CDN's copy is in, the senders whose part differs from it are banned.
   */
  suspect?: { senders: readonly Sender[]; bytes: Uint8Array; end: number };
}

export interface RenditionSessionOptions {
  rendition: string;
  cdn: CdnLoader;
  scheduler: SchedulerConfig;
  store?: Partial<SegmentStoreConfig>;
  now: () => number;
  counters: TrafficCounters;
  /** Announced segments past our playlist's edge that we may fetch from peers. @default 3 */
  aheadOfPlaylist?: number;
  /** Checks segment bytes against the published hashes; none: bytes are taken as they come. */
  verifier?: SegmentVerifier;
  /** A peer sent bytes that did not match the published hash. */
  onCorruptPeer?: (peerId: string, seq: number) => void;
  /**
   * Announce segments arriving from peers and let our peer servers relay them before they are
   * complete (cut-through; the last byte waits for verification). @default true
   */
  cutThrough?: boolean;
  /** Our upload rate as advertised to neighbours, bytes/ms (seeder choice). @default none */
  uploadRate?: () => number | undefined;
  /**
   * When a peer transfer is cancelled or fails part way, keep the bytes it brought and ask the
   * CDN only for the rest (`Range: bytes=N-`); the whole segment is verified as any peer
   * segment is. Once the CDN answers a range request whole or refuses it, the session keeps
   * no more heads and asks for whole segments. @default true
   */
  cdnRanges?: boolean;
  /**
   * When a peer transfer is cancelled or fails part way, a complete holder may send the rest
   * (a ranged request), and a transfer too slow for its deadline hands over to a holder that
   * sends the rest in time, keeping every byte it brought. @default true
   */
  peerRanges?: boolean;
}

/**
 * Everything about one rendition: its segment store, the state of each segment in the
 * window, and (when P2P is on) its swarm. Runs the scheduler on every change and applies its
 * decisions: CDN loads, peer requests, cancellations.
 */
export class RenditionSession {
  readonly rendition: string;
  readonly store: SegmentStore;
  private swarm: SessionSwarm | undefined;
  private readonly segments = new Map<number, Runtime>();
  private playback: PlaybackState = { position: 0, rate: 0 };
  private started = false;
  /** The first segment the player asked for; nothing before it is fetched. */
  private wantedFrom: number | undefined;
  private lastListed = -1;
  private avgBytes: number | undefined;
  private cdnRtt: number | undefined;
  private cdnRate: number | undefined;
  /**
   * The CDN answered a range request with the whole segment, or refused it: from then on no
   * head is kept and no range asked for, as with `cdnRanges: false`.
   */
  private cdnIgnoresRanges = false;
  private scheduled = false;
  private destroyed = false;

  constructor(private readonly o: RenditionSessionOptions) {
    this.rendition = o.rendition;
    this.store = new SegmentStore(o.store);
  }

  /** Open peer connections in this rendition's swarm. */
  get peerCount(): number {
    return this.swarm?.connectedPeers().length ?? 0;
  }

  /** Peer connections still opening. */
  get connectingCount(): number {
    return this.swarm?.connectingCount?.() ?? 0;
  }

  /** Our id in the swarm, once joined. */
  get peerId(): string | undefined {
    return this.swarm?.peerId;
  }

  /** A segment arriving from a peer, for our peer servers to relay; undefined if none. */
  arrival(seq: number): ArrivalSource | undefined {
    return this.segments.get(seq)?.arrival;
  }

  /** The segments arriving from peers now. */
  arrivingSeqs(): number[] {
    return [...this.segments].filter(([, rt]) => rt.arrival).map(([seq]) => seq);
  }

  attachSwarm(swarm: SessionSwarm): void {
    this.swarm = swarm;
    this.store.on('added', (seq) => {
      swarm.announce([seq], []);
    });
    this.store.on('evicted', (seqs) => {
      swarm.announce([], seqs);
    });
    swarm.on('have', (peer) => {
      this.onPeerHave(peer);
    });
    swarm.on('peerConnected', () => {
      this.kick();
    });
    swarm.on('peerClosed', () => {
      this.kick();
    });
  }

  /** The playlist as last loaded. */
  updatePlaylist(infos: readonly SegmentInfo[]): void {
    const now = this.o.now();
    for (const info of infos) {
      const rt = this.runtime(info.seq, now);
      rt.info = info;
      rt.state = { ...rt.state, start: info.start };
      this.lastListed = Math.max(this.lastListed, info.seq);
    }
    this.kick();
  }

  setPlayback(playback: PlaybackState, started: boolean): void {
    this.playback = playback;
    this.started = started;
    const current = this.currentSeq();
    if (current !== undefined) {
      this.store.setPlayhead(current);
      for (const [seq, rt] of this.segments) {
        if (seq < current - 3 && rt.waiters.length === 0) {
          rt.abort?.abort();
          this.dropPartial(rt);
          this.segments.delete(seq);
        }
      }
    }
    this.kick();
  }

  /** The player wants this segment: resolves from the store, a transfer, or a new fetch. */
  load(info: SegmentInfo, signal?: AbortSignal): Promise<LoadedSegment> {
    const now = this.o.now();
    const rt = this.runtime(info.seq, now);
    rt.info = info;
    rt.state = { ...rt.state, start: info.start };
    this.wantedFrom = Math.min(this.wantedFrom ?? info.seq, info.seq);
    const held = this.store.get(info.seq);
    if (held) return Promise.resolve(this.loaded(info.seq, held.bytes, held.source, rt));
    return new Promise<LoadedSegment>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      rt.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        rt.waiters = rt.waiters.filter((w) => w !== waiter);
        reject(new Error('aborted'));
      });
      this.kick();
    });
  }

  /** Runs the scheduler soon (coalesced); also called by the engine's tick. */
  kick(): void {
    if (this.scheduled || this.destroyed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.destroyed || this.wantedFrom === undefined) return;
    const now = this.o.now();
    const peers = this.swarm?.connectedPeers() ?? [];
    const current = this.currentSeq() ?? this.wantedFrom;
    const from = Math.max(this.wantedFrom, current);
    const selfRate = this.o.uploadRate?.();
    const window: SegmentState[] = [];
    for (const [seq, rt] of [...this.segments].sort((a, b) => a[0] - b[0])) {
      if (seq < from && rt.waiters.length === 0) continue;
      if (rt.state.status === 'held') {
        if (this.store.has(seq)) continue;
        rt.state = { ...rt.state, status: 'missing' }; // evicted, and wanted again
      }
      if (rt.info === undefined && seq > this.lastListed + (this.o.aheadOfPlaylist ?? 3)) continue;
      if (rt.retryAfter !== undefined && now < rt.retryAfter) continue;
      window.push(rt.partial ? { ...rt.state, head: rt.partial.bytes.length } : rt.state);
    }
    if (window.length === 0) return;
    const actions = schedule(
      {
        now,
        selfId: this.swarm?.peerId ?? 'self',
        segments: window,
        peers: peers.map((p) => ({
          id: p.id,
          has: p.remoteHave,
          pending: p.pendingRequests,
          ...(p.throughput() !== undefined && { throughput: p.throughput() }),
          ...(p.busyUntil !== undefined && { busyUntil: p.busyUntil }),
          ...(p.remoteArriving?.size && { arriving: p.remoteArriving }),
          ...(p.remoteUploadRate !== undefined && { uploadRate: p.remoteUploadRate }),
        })),
        playback: this.effectivePlayback(),
        cdn: this.cdnState(),
        peerRanges: this.peerRanges(),
        ...(this.avgBytes !== undefined && { segmentBytes: this.avgBytes }),
        ...(selfRate !== undefined && { selfUploadRate: selfRate }),
      },
      this.o.scheduler,
    );
    for (const a of actions) this.apply(a, peers);
  }

  private cdnState(): SchedulerInput['cdn'] {
    return {
      ...(this.cdnRtt !== undefined && { rttMs: this.cdnRtt }),
      ...(this.cdnRate !== undefined && { throughput: this.cdnRate }),
      ranges: this.cdnTakesRanges(),
    };
  }

  /** Whether a peer's head is worth keeping for a CDN range request. */
  private cdnTakesRanges(): boolean {
    return this.o.cdnRanges !== false && !this.cdnIgnoresRanges;
  }

  /** Whether peers are asked for the rest of a segment whose head another peer sent. */
  private peerRanges(): boolean {
    return this.o.peerRanges !== false;
  }

  /**
   * How long peer bytes of `rt` may wait for their hash, ms: `hashWaitMs`, or longer while
   * the segment's deadline leaves time (until its CDN deadline line), up to `hashWaitMaxMs`.
   * The server publishes a hash once its own poll saw the segment, which can be after a fast
   * seeder relayed it.
   */
  private hashWaitMs(rt: Runtime, verifier: SegmentVerifier): number {
    const { hashWaitMs, hashWaitMaxMs } = verifier.config;
    const cdnMs = cdnFetchMs(this.cdnState(), this.avgBytes, this.o.scheduler);
    const line = cdnLineMs(rt.state, this.effectivePlayback(), cdnMs, this.o.scheduler);
    return Number.isFinite(line) ? Math.min(hashWaitMaxMs, Math.max(hashWaitMs, line)) : hashWaitMs;
  }

  /** Before the first frame, the first wanted segment is due now and the rest follow. */
  private effectivePlayback(): PlaybackState {
    if (this.started) return this.playback;
    const first = this.wantedFrom === undefined ? undefined : this.segments.get(this.wantedFrom);
    const start = first?.info?.start ?? this.playback.position;
    return { position: start, rate: 1 };
  }

  private apply(a: SchedulerAction, peers: readonly SessionPeer[]): void {
    const rt = this.segments.get(a.seq);
    if (!rt) return;
    if (a.type === 'cancel') {
      const t = rt.state.transfer;
      debug('%s cancel %d from %s (%s)', this.rendition, a.seq, t?.peerId, a.reason);
      this.o.counters.wastedBytes += Math.max(0, brought(t) - this.keepPartial(rt));
      const excluded = new Set(rt.state.excludedPeers ?? []);
      if (t?.peerId) excluded.add(t.peerId);
      rt.abort?.abort();
      rt.abort = undefined;
      rt.state = { ...rt.state, status: 'missing', transfer: undefined, excludedPeers: excluded };
      return;
    }
    if (a.type === 'cdn') this.fetchCdn(rt, a.reason);
    else {
      const peer = peers.find((p) => p.id === a.peerId);
      if (peer) this.fetchPeer(rt, peer);
    }
  }

  private fetchCdn(rt: Runtime, reason: string): void {
    const info = rt.info;
    if (!info) return;
    const abort = new AbortController();
    const startedAt = this.o.now();
    rt.abort = abort;
    rt.state = {
      ...rt.state,
      status: 'cdn',
      transfer: { startedAt, lastProgressAt: startedAt, received: 0 },
    };
    debug('%s cdn %d (%s)', this.rendition, info.seq, reason);
    // A failed attempt (5xx, timeout) is not retried on the CDN while a peer that can serve
    // now holds the segment: the scheduler may take it from that peer at once instead.
    const heldByPeer = (): boolean =>
      (this.swarm?.connectedPeers() ?? []).some(
        (p) =>
          p.remoteHave.has(info.seq) &&
          !rt.state.excludedPeers?.has(p.id) &&
          (p.busyUntil ?? 0) <= this.o.now(),
      );
    // The rest of a segment a peer transfer left part way, if there is one.
    if (!this.cdnTakesRanges()) this.dropPartial(rt);
    const partial = rt.partial;
    rt.partial = undefined;
    const options = {
      signal: abort.signal,
      shouldRetry: () => !heldByPeer(),
      ...(partial && { fromByte: partial.bytes.length }),
    };
    if (partial) debug('%s cdn %d from byte %d', this.rendition, info.seq, partial.bytes.length);
    this.o.cdn.load(info.url, options).then(
      (r) => {
        if (abort.signal.aborted || this.destroyed) return;
        // The loader's clock is performance.now, like ours in browsers; use its intervals.
        const first = startedAt + (r.firstByteAt - r.startedAt);
        const end = startedAt + (r.finishedAt - r.startedAt);
        this.cdnRtt = ewma(this.cdnRtt, first - startedAt);
        if (end > first) this.cdnRate = ewma(this.cdnRate, r.bytes.length / (end - first));
        this.o.counters.cdnBytes += r.bytes.length;
        rt.timing = { start: startedAt, first, end };
        if (partial && r.offset > 0) {
          const head = partial.bytes;
          if (
            (r.size ?? partial.total) === partial.total &&
            head.length + r.bytes.length === partial.total
          ) {
            this.o.counters.cdnSegments++;
            // For ABR, the segment took from the peer request to the CDN's last byte.
            rt.timing = { start: partial.start, first: partial.first, end };
            this.acceptPatched(rt, concatBytes([head, r.bytes], partial.total), abort, partial);
            return;
          }
          // The peer's size was not the CDN's: its head is of no use; the segment whole.
          debug(
            '%s cdn %d: size %s, the peer said %d',
            this.rendition,
            info.seq,
            r.size,
            partial.total,
          );
          this.o.counters.wastedBytes += head.length;
          rt.state = { ...rt.state, status: 'missing', transfer: undefined };
          this.fetchCdn(rt, 'range-mismatch');
          return;
        }
        if (partial) {
          this.o.counters.wastedBytes += partial.bytes.length;
          this.cdnIgnoresRanges = true;
        }
        this.o.counters.cdnSegments++;
        this.accept(rt, r.bytes, abort);
      },
      (err: unknown) => {
        if (partial) this.o.counters.wastedBytes += partial.bytes.length;
        if (abort.signal.aborted || this.destroyed) return;
        debug('%s cdn %d failed: %s', this.rendition, info.seq, String(err));
        if (partial && err instanceof CdnError && err.type === 'http' && (err.status ?? 0) < 500) {
          // The CDN refused the range (416, a bad Content-Range): the segment whole, now.
          this.cdnIgnoresRanges = true;
          rt.state = { ...rt.state, status: 'missing', transfer: undefined };
          this.fetchCdn(rt, 'range-refused');
          return;
        }
        rt.abort = undefined;
        rt.retryAfter = this.o.now() + (heldByPeer() ? 0 : 500);
        rt.state = { ...rt.state, status: 'missing', transfer: undefined };
        this.kick();
      },
    );
  }

  private fetchPeer(rt: Runtime, peer: SessionPeer): void {
    const seq = rt.state.seq;
    const abort = new AbortController();
    const startedAt = this.o.now();
    let first: number | undefined;
    rt.abort = abort;
    // The rest of a segment whose head other peers sent, from a holder of the whole segment.
    const head =
      this.peerRanges() && rt.partial && peer.remoteHave.has(seq) ? rt.partial : undefined;
    const from = head?.bytes.length ?? 0;
    const own: Sender = { peerId: peer.id, from, vouched: peer.remoteHave.has(seq) };
    const senders = [...(head?.senders ?? []), own];
    const transfer = {
      peerId: peer.id,
      startedAt,
      lastProgressAt: startedAt,
      received: from,
      ...(head && { from, total: head.total }),
    };
    rt.state = { ...rt.state, status: 'peer', transfer };
    if (head) debug('%s peer %d from %s, from byte %d', this.rendition, seq, peer.id, from);
    else debug('%s peer %d from %s', this.rendition, seq, peer.id);
    const relay = this.o.cutThrough !== false;
    // The bytes so far: relayed to peers as they come (cut-through), and kept for a range
    // request to a holder or the CDN should the transfer end part way.
    const collect = relay || this.o.cdnRanges !== false || this.peerRanges();
    let arrival: Arrival | undefined;
    let size: number | undefined;
    const open = (total: number): Arrival => {
      const a = new Arrival(seq, total);
      if (head) a.write(0, head.bytes);
      return a;
    };
    rt.inbound = {
      senders,
      total: () => size,
      prefix: () => arrival?.read(0, arrival.held) ?? head?.bytes ?? new Uint8Array(0),
    };
    abort.signal.addEventListener('abort', () => {
      this.endArrival(rt, arrival);
    });
    peer
      .request(seq, {
        signal: abort.signal,
        ...(head && { from }),
        onData: (offset: number, chunk: Uint8Array, total: number) => {
          if (head && total !== head.total) {
            this.rangeMismatch(rt, abort, peer.id, total);
            return;
          }
          size = total;
          if (collect && offset + chunk.length < total) arrival ??= open(total);
          arrival?.write(offset, chunk);
        },
        onProgress: (received, total) => {
          if (abort.signal.aborted) return;
          const now = this.o.now();
          first ??= now;
          if (collect && received < total) arrival ??= open(total);
          arrival?.progress(received);
          if (relay && arrival && rt.arrival !== arrival && received < total) {
            this.announceArrival(rt, abort, arrival);
          }
          if (rt.abort === abort) {
            rt.state = {
              ...rt.state,
              transfer: { ...transfer, lastProgressAt: now, firstAt: first, received, total },
            };
          }
        },
      })
      .then(
        (bytes) => {
          if (abort.signal.aborted || this.destroyed) return;
          const end = this.o.now();
          rt.inbound = undefined;
          const whole = head ? concatBytes([head.bytes, bytes], head.total) : bytes;
          if (head && whole.length !== head.total) {
            this.rangeMismatch(rt, abort, peer.id, from + bytes.length);
            return;
          }
          if (head) rt.partial = undefined;
          this.dropPartial(rt);
          // It sent the last byte: its part is its verified copy's.
          const vouched = [...(head?.senders ?? []), { ...own, vouched: true }];
          this.accept(rt, whole, abort, vouched, () => {
            this.o.counters.p2pBytes += whole.length;
            this.o.counters.p2pSegments++;
            rt.timing = head
              ? { start: head.start, first: head.first, end }
              : { start: startedAt, first: first ?? end, end };
          });
        },
        (err: unknown) => {
          if (abort.signal.aborted || this.destroyed) {
            this.endArrival(rt, arrival);
            return;
          }
          debug('%s peer %d from %s failed: %s', this.rendition, seq, peer.id, String(err));
          const kept = this.keepPartial(rt);
          this.endArrival(rt, arrival);
          this.o.counters.wastedBytes += Math.max(0, brought(rt.state.transfer) - kept);
          rt.abort = undefined;
          // A busy peer holds the segment and may serve it later: not excluded.
          const busy = err instanceof PeerError && err.type === 'busy';
          rt.state = {
            ...rt.state,
            status: 'missing',
            transfer: undefined,
            ...(!busy && {
              excludedPeers: new Set([...(rt.state.excludedPeers ?? []), peer.id]),
            }),
          };
          this.kick();
        },
      );
  }

  /**
   * The holder asked for the rest of a segment gave it another size than the peers that sent
   * its head: one of them lied about it. The head is dropped, the holder not asked again for
   * this segment, and the segment fetched anew.
   */
  private rangeMismatch(rt: Runtime, abort: AbortController, peerId: string, total: number): void {
    if (abort.signal.aborted || rt.abort !== abort) return;
    debug(
      '%s peer %d from %s: size %d, the head said %d',
      this.rendition,
      rt.state.seq,
      peerId,
      total,
      rt.partial?.total,
    );
    rt.inbound = undefined;
    this.o.counters.wastedBytes += brought(rt.state.transfer);
    this.dropPartial(rt);
    rt.abort = undefined;
    abort.abort();
    const excludedPeers = new Set([...(rt.state.excludedPeers ?? []), peerId]);
    rt.state = { ...rt.state, status: 'missing', transfer: undefined, excludedPeers };
    this.kick();
  }

  /**
   * The integrity gate, when the server publishes hashes: bytes from a peer reach the store
   * and the player only if they match (a mismatch bans the peer, a hash that does not come
   * within `hashWaitMs` counts as unverified; both drop the bytes and fetch from the CDN).
   * CDN bytes always reach the player, as they would without P2P, but are stored and so
   * announced only if they match or no hash is known.
   */
  private accept(
    rt: Runtime,
    bytes: Uint8Array,
    abort: AbortController,
    senders?: readonly Sender[],
    onAccepted?: () => void,
  ): void {
    const verifier = this.o.verifier;
    const peerId = senders?.map((p) => p.peerId).join('+');
    const source: SegmentSource = peerId === undefined ? 'cdn' : 'p2p';
    if (!verifier?.active) {
      onAccepted?.();
      this.complete(rt, bytes, source);
      return;
    }
    const seq = rt.state.seq;
    const waitMs = peerId === undefined ? 0 : this.hashWaitMs(rt, verifier);
    const t = rt.state.transfer;
    if (peerId !== undefined && t) rt.state = { ...rt.state, transfer: { ...t, verifying: true } };
    if (debug.enabled && peerId !== undefined && !verifier.expected(seq)) {
      debug(
        '%s peer %d from %s: waits up to %d ms for its hash',
        this.rendition,
        seq,
        peerId,
        waitMs,
      );
    }
    void verifier.verify(seq, bytes, { waitMs, source }).then((outcome) => {
      if (abort.signal.aborted || this.destroyed) return;
      if (outcome === 'ok' || peerId === undefined) {
        onAccepted?.();
        this.complete(rt, bytes, source, outcome !== 'corrupt');
        return;
      }
      debug('%s peer %d from %s: %s', this.rendition, seq, peerId, outcome);
      this.o.counters.wastedBytes += bytes.length;
      this.endArrival(rt, rt.arrival);
      const sent = senders ?? [];
      if (outcome === 'corrupt') this.blame(rt, sent, bytes, bytes.length);
      rt.abort = undefined;
      const excludedPeers = new Set([
        ...(rt.state.excludedPeers ?? []),
        ...sent.map((p) => p.peerId),
      ]);
      rt.state = { ...rt.state, status: 'missing', transfer: undefined, excludedPeers };
      this.fetchCdn(rt, 'integrity');
      this.kick();
    });
  }

  /**
   * A segment whose head came from a peer and whose rest came from the CDN: verified as a peer
   * segment. A mismatch can only be the head (the CDN is trusted): that peer is banned as if
   * it had sent the whole segment, and the CDN sends it whole.
   */
  private acceptPatched(
    rt: Runtime,
    bytes: Uint8Array,
    abort: AbortController,
    partial: NonNullable<Runtime['partial']>,
  ): void {
    const verifier = this.o.verifier;
    const done = (): void => {
      this.o.counters.p2pBytes += partial.bytes.length;
      this.complete(rt, bytes, 'cdn');
    };
    if (!verifier?.active) {
      done();
      return;
    }
    const seq = rt.state.seq;
    const waitMs = this.hashWaitMs(rt, verifier);
    void verifier.verify(seq, bytes, { waitMs }).then((outcome) => {
      if (abort.signal.aborted || this.destroyed) return;
      if (outcome === 'ok') {
        done();
        return;
      }
      const ids = partial.senders.map((p) => p.peerId);
      debug('%s cdn %d: head from %s %s', this.rendition, seq, ids.join('+'), outcome);
      this.o.counters.wastedBytes += partial.bytes.length;
      if (outcome === 'corrupt') this.blame(rt, partial.senders, bytes, partial.bytes.length);
      rt.abort = undefined;
      const excludedPeers = new Set([...(rt.state.excludedPeers ?? []), ...ids]);
      rt.state = { ...rt.state, status: 'missing', transfer: undefined, excludedPeers };
      this.fetchCdn(rt, 'integrity');
      this.kick();
    });
  }

  /**
   * A peer transfer ends part way: keeps the segment's bytes so far (a head it extended, or
   * its own if worth a range request and longer than what an earlier one left) for a holder or
   * the CDN to complete. Returns how many of the transfer's own bytes were kept.
   */
  private keepPartial(rt: Runtime): number {
    const inbound = rt.inbound;
    rt.inbound = undefined;
    const total = inbound?.total();
    if (!inbound || total === undefined || !(this.cdnTakesRanges() || this.peerRanges())) {
      return 0;
    }
    const head = inbound.prefix();
    if (head.length < MIN_RANGE_HEAD_BYTES || head.length >= total) return 0;
    const earlier = rt.partial;
    if (earlier && earlier.bytes.length >= head.length) return 0;
    const t = rt.state.transfer;
    const start = t?.startedAt ?? this.o.now();
    // Where this transfer's own bytes start: after the head it continued, if ranged.
    const from = inbound.senders.at(-1)?.from ?? 0;
    if (from > 0 && earlier) {
      // A ranged transfer extended the head: one head, sent by all of them.
      rt.partial = { ...earlier, senders: inbound.senders, bytes: head };
      return head.length - from;
    }
    this.dropPartial(rt);
    rt.partial = {
      senders: inbound.senders,
      bytes: head,
      total,
      start,
      first: t?.firstAt ?? start,
    };
    return head.length - from;
  }

  /**
   * Bytes `0 .. end` of `bytes`, from `senders`, did not match the segment's hash. A sole
   * sender lied and is banned, if it vouched for its bytes (see {@link Sender.vouched}). Among
   * several, the liar is found once the CDN's copy is in (see {@link complete}): each is
   * excluded for this segment until then.
   */
  private blame(rt: Runtime, senders: readonly Sender[], bytes: Uint8Array, end: number): void {
    const [only] = senders;
    if (senders.length === 1 && only) this.banVouched(only, rt.state.seq);
    else if (senders.length > 1) rt.suspect = { senders, bytes, end };
  }

  /**
   * A trusted copy (the CDN's, or verified) of a segment whose bytes from several peers did not
   * match its hash: bans each sender whose part differs from it.
   */
  private judge(rt: Runtime, trusted: Uint8Array): void {
    const suspect = rt.suspect;
    rt.suspect = undefined;
    if (suspect?.bytes.length !== trusted.length) return;
    suspect.senders.forEach((sender, i) => {
      const to = Math.min(suspect.end, suspect.senders[i + 1]?.from ?? suspect.end);
      const part = suspect.bytes.subarray(sender.from, to);
      if (!equalBytes(part, trusted.subarray(sender.from, to))) {
        this.banVouched(sender, rt.state.seq);
      }
    });
  }

  /**
   * A sender's bytes did not match: banned if they were its own verified copy's. A relay cut
   * off before its end passed on its upstream's bytes; it is only excluded for this segment
   * (its own check of them fails, and it bans that upstream).
   */
  private banVouched(sender: Sender, seq: number): void {
    if (sender.vouched) this.ban(sender.peerId, seq);
    else
      debug(
        '%s %d: %s relayed bytes it had not verified: not banned',
        this.rendition,
        seq,
        sender.peerId,
      );
  }

  /** A peer sent bytes that do not match the published hash: never again. */
  private ban(peerId: string, seq: number): void {
    this.swarm?.ban?.(peerId);
    this.o.onCorruptPeer?.(peerId, seq);
  }

  /** Forgets the bytes a peer transfer left (counted as wasted). */
  private dropPartial(rt: Runtime): void {
    if (!rt.partial) return;
    this.o.counters.wastedBytes += rt.partial.bytes.length;
    rt.partial = undefined;
  }

  private complete(rt: Runtime, bytes: Uint8Array, source: SegmentSource, share = true): void {
    const seq = rt.state.seq;
    rt.abort = undefined;
    this.dropPartial(rt);
    rt.state = { ...rt.state, status: 'held', transfer: undefined };
    this.avgBytes = ewma(this.avgBytes, bytes.length);
    if (share) {
      this.store.put(seq, bytes, source);
      rt.arrival?.complete(bytes);
      // Verified, or the CDN's: the reference for a joined copy that did not match.
      this.judge(rt, bytes);
    }
    // Not shared (CDN bytes that fail the hash): not fetched again unless wanted later.
    else rt.retryAfter = this.o.now() + 5000;
    this.endArrival(rt, rt.arrival);
    const waiters = rt.waiters;
    rt.waiters = [];
    for (const w of waiters) w.resolve(this.loaded(seq, bytes, source, rt));
    this.kick();
  }

  /** The first bytes of a peer transfer arrived: announce it and relay it from now on. */
  private announceArrival(rt: Runtime, abort: AbortController, arrival: Arrival): void {
    if (abort.signal.aborted || this.destroyed || rt.abort !== abort) return;
    rt.arrival = arrival;
    this.swarm?.announceArriving?.([rt.state.seq], []);
  }

  /** The transfer ended: completed (the store announced it) or failed (retracted, if announced). */
  private endArrival(rt: Runtime, arrival: Arrival | undefined): void {
    if (!arrival) return;
    const announced = rt.arrival === arrival;
    if (announced) rt.arrival = undefined;
    if (arrival.state !== 'arriving') return;
    arrival.fail();
    if (announced && !this.destroyed) this.swarm?.announceArriving?.([], [rt.state.seq]);
  }

  private loaded(
    seq: number,
    bytes: Uint8Array,
    source: SegmentSource,
    rt: Runtime,
  ): LoadedSegment {
    const now = this.o.now();
    return { seq, bytes, source, timing: rt.timing ?? { start: now, first: now, end: now } };
  }

  private onPeerHave(peer: SessionPeer): void {
    const now = this.o.now();
    if (this.wantedFrom === undefined) return;
    const last = this.lastListed + (this.o.aheadOfPlaylist ?? 3);
    for (const held of [peer.remoteHave, peer.remoteArriving]) {
      for (const seq of held ?? []) {
        if (seq >= this.wantedFrom && seq <= last) this.runtime(seq, now);
      }
    }
    this.kick();
  }

  private runtime(seq: number, now: number): Runtime {
    let rt = this.segments.get(seq);
    if (!rt) {
      const held = this.store.has(seq);
      rt = { state: { seq, status: held ? 'held' : 'missing', knownAt: now }, waiters: [] };
      this.segments.set(seq, rt);
    }
    return rt;
  }

  /** The segment under the playhead, from the playlist's start times. */
  private currentSeq(): number | undefined {
    if (!this.started) return undefined;
    let best: number | undefined;
    for (const [seq, rt] of this.segments) {
      const start = rt.info?.start;
      if (start !== undefined && start <= this.playback.position + 0.05) {
        if (best === undefined || seq > best) best = seq;
      }
    }
    return best;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const rt of this.segments.values()) {
      rt.abort?.abort();
      for (const w of rt.waiters) w.reject(new Error('session destroyed'));
    }
    this.segments.clear();
    this.swarm?.destroy();
    this.store.destroy();
  }
}

/** Bytes a transfer brought itself (after the head it continued, if ranged). */
function brought(t: SegmentState['transfer']): number {
  return t ? t.received - (t.from ?? 0) : 0;
}

function ewma(prev: number | undefined, sample: number, weight = 0.3): number {
  return prev === undefined ? sample : prev * (1 - weight) + sample * weight;
}
