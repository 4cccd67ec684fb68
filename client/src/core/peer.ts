import SimplePeer from 'simple-peer';
import { Emitter } from './emitter.js';
import type { ArrivalSource } from './arrival.js';
import { filterSignal, type CandidateFilter } from './ice-filter.js';
import {
  DEFAULT_INBOUND_GUARD_CONFIG,
  FloodError,
  InboundGuard,
  type InboundGuardConfig,
} from './inbound-guard.js';
import { PeerError } from './peer-error.js';
import { PeerRequests, type PeerRequestOptions, type RequestingConfig } from './peer-requests.js';
import { PeerServer, type ServingConfig } from './peer-server.js';
import type { AssemblyError } from './segment-assembler.js';
import type { UploadLimiter } from './upload-limiter.js';
import {
  MAX_ARRIVING_ITEMS,
  MAX_HAVE_SPAN,
  WireError,
  decode,
  deltaMessages,
  encode,
  type WireMessage,
} from './wire.js';

/** Settings of one {@link Peer}. */
export interface PeerConfig extends RequestingConfig, ServingConfig, InboundGuardConfig {
  /** The connection fails with `connection` unless it opens within this time. @default 15000 */
  connectTimeoutMs: number;
}

export const DEFAULT_PEER_CONFIG: Readonly<PeerConfig> = Object.freeze({
  ...DEFAULT_INBOUND_GUARD_CONFIG,
  requestTimeoutMs: 4000,
  maxPendingRequests: 4,
  maxServingQueue: 8,
  highWaterMark: 256 * 1024,
  maxServingWaitMs: 1500,
  connectTimeoutMs: 15_000,
  throughputHalfLifeMs: 2000,
});

function mergeConfig(config: Partial<PeerConfig>): PeerConfig {
  const merged = { ...DEFAULT_PEER_CONFIG, ...config };
  for (const [field, value] of Object.entries(merged) as [keyof PeerConfig, number][]) {
    const integer = field === 'maxPendingRequests' || field === 'maxServingQueue';
    const ok = integer
      ? Number.isInteger(value) && value >= 0
      : Number.isFinite(value) && value > 0;
    if (!ok) throw new RangeError(`Peer: invalid ${field}: ${String(value)}`);
  }
  return merged;
}

/** An ICE server (STUN or TURN) as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** How to create a {@link Peer}. */
export interface PeerOptions {
  /** The remote peer's id (as the signaling server names it). */
  id: string;
  /** Whether this side makes the offer. Exactly one side of a pair must. */
  initiator: boolean;
  config?: Partial<PeerConfig>;
  /** @default [] (host candidates only; the engine passes the channel's STUN/TURN servers) */
  iceServers?: IceServer[];
  /** Which ICE candidates to announce and accept. @default 'none' */
  candidateFilter?: CandidateFilter;
  /** The WebRTC implementation, for Node (see simple-peer's `wrtc`). @default the browser's */
  wrtc?: SimplePeer.Options['wrtc'];
  /** Monotonic clock in ms, for throughput. @default performance.now */
  now?: () => number;
  /** The bytes of a segment this side holds, to serve to the remote; undefined if not held. */
  provide: (seq: number) => Uint8Array | undefined;
  /** A segment this side is still receiving, to relay as it arrives. @default none */
  arriving?: (seq: number) => ArrivalSource | undefined;
  /** The viewer's upload slots and cap, shared by all its connections. @default none */
  upload?: UploadLimiter;
}

/** Events of a {@link Peer}. */
export interface PeerEvents {
  /** Signal data to relay to the remote peer through the signaling server. */
  signal: (data: unknown) => void;
  connect: () => void;
  /** The connection ended (by either side); emitted once. */
  close: () => void;
  /** The connection failed; `close` follows. */
  error: (err: PeerError) => void;
  /**
   * The remote's held (or arriving) segments changed: a have-map, a have-delta, an `arriving`,
   * or an `absent` that showed it stale.
   */
  have: (seqs: ReadonlySet<number>) => void;
  /** A chunk of `bytes` segment bytes of `seq` was sent to the remote. */
  uploaded: (bytes: number, seq: number) => void;
  /** The remote sent a malformed message; the connection is dropped (`close` follows). */
  protocolError: (err: WireError | AssemblyError | FloodError) => void;
}

export type { PeerRequestOptions };

/**
 * One WebRTC data-channel connection (simple-peer) to a remote viewer, speaking the wire
 * protocol: buffer maps both ways, segment requests with timeouts and cancellation, serving of
 * the remote's requests with backpressure. Everything from the remote is decoded strictly; a
 * remote that sends a malformed message is dropped.
 *
 * @example
 * const peer = new Peer({ id: remoteId, initiator: true, provide: (seq) => store.get(seq) });
 * peer.on('signal', (data) => signaling.relay(remoteId, data));
 * peer.on('connect', () => peer.sendHaveMap(store.seqs()));
 * const bytes = await peer.request(1200);
 */
export class Peer extends Emitter<PeerEvents> {
  readonly id: string;
  readonly config: Readonly<PeerConfig>;
  private readonly sp: SimplePeer.Instance;
  private readonly filter: CandidateFilter;
  private readonly server: PeerServer;
  private readonly requests: PeerRequests;
  private readonly guard: InboundGuard;
  private readonly remote = new Set<number>();
  private readonly remoteArrivals = new Set<number>();
  private remoteRate: number | undefined;
  private readonly connectTimer: ReturnType<typeof setTimeout>;
  private isOpen = false;
  private destroyed = false;

  constructor(options: PeerOptions) {
    super();
    this.id = options.id;
    this.config = Object.freeze(mergeConfig(options.config ?? {}));
    this.filter = options.candidateFilter ?? 'none';
    const now = options.now ?? (() => performance.now());
    this.guard = new InboundGuard(this.config, now);
    this.sp = new SimplePeer({
      initiator: options.initiator,
      trickle: true,
      objectMode: true, // one data event per channel message, never coalesced
      config: { iceServers: options.iceServers ?? [] },
      ...(options.wrtc && { wrtc: options.wrtc }),
    });
    this.requests = new PeerRequests(this.config, {
      send: (m) => this.send(m),
      now,
      protocolError: (err) => this.failProtocol(err),
    });
    this.server = new PeerServer(this.config, {
      provide: options.provide,
      ...(options.arriving && { arriving: options.arriving }),
      send: (m) => this.send(m),
      bufferedAmount: () => this.sp.bufferSize,
      uploaded: (bytes, seq) => this.emit('uploaded', bytes, seq),
      ...(options.upload && { upload: options.upload }),
    });
    this.sp.on('signal', (data) => {
      const filtered = filterSignal(this.filter, data);
      if (filtered !== undefined && !this.destroyed) this.emit('signal', filtered);
    });
    this.sp.on('connect', () => {
      if (this.destroyed) return;
      this.isOpen = true;
      clearTimeout(this.connectTimer);
      this.emit('connect');
    });
    this.sp.on('data', (data: unknown) => this.onData(data));
    this.sp.on('error', (err: Error) => {
      this.shutdown('closed', new PeerError('connection', err.message, { cause: err }));
    });
    this.sp.on('close', () => this.shutdown('closed'));
    this.connectTimer = setTimeout(() => {
      const ms = this.config.connectTimeoutMs;
      this.shutdown('closed', new PeerError('connection', `not connected after ${ms} ms`));
    }, this.config.connectTimeoutMs);
  }

  /** Whether the data channel is open. */
  get connected(): boolean {
    return this.isOpen && !this.destroyed;
  }

  /** The segments the remote announced it holds. */
  get remoteHave(): ReadonlySet<number> {
    return this.remote;
  }

  /** Segments the remote said it is receiving now (it may relay them before they complete). */
  get remoteArriving(): ReadonlySet<number> {
    return this.remoteArrivals;
  }

  /** The remote's advertised upload rate, bytes/ms; undefined before it sent one. */
  get remoteUploadRate(): number | undefined {
    return this.remoteRate;
  }

  /** Advertises our measured upload rate (bytes/ms). */
  sendCapacity(bytesPerMs: number): void {
    const bytesPerSec = Math.min(0xffffffff, Math.max(0, Math.round(bytesPerMs * 1000)));
    this.send({ type: 'capacity', bytesPerSec });
  }

  /** Requests in flight to the remote. */
  get pendingRequests(): number {
    return this.requests.pending;
  }

  /** Until when (clock ms) the remote said its upload is saturated (`busy`); 0 if never. */
  get busyUntil(): number {
    return this.requests.busyUntil;
  }

  /** Segment bytes received from the remote (chunk payloads, cancelled transfers included). */
  get bytesReceived(): number {
    return this.requests.bytesReceived;
  }

  /** Segment bytes sent to the remote (chunk payloads). */
  get bytesSent(): number {
    return this.server.bytesSent;
  }

  /** Passes on signal data that the remote emitted (relayed by the signaling server). */
  signal(data: unknown): void {
    if (this.destroyed || typeof data !== 'object' || data === null) return;
    const filtered = filterSignal(this.filter, data);
    if (filtered === undefined) return;
    try {
      this.sp.signal(filtered as SimplePeer.SignalData);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.shutdown('closed', new PeerError('connection', message, { cause: err }));
    }
  }

  /** Announces the full set of held segments (the newest MAX_HAVE_SPAN window of them). */
  sendHaveMap(seqs: Iterable<number>): void {
    const sorted = [...new Set(seqs)].sort((a, b) => a - b);
    const newest = sorted.at(-1) ?? 0;
    this.send({ type: 'have-map', seqs: sorted.filter((s) => s > newest - MAX_HAVE_SPAN) });
  }

  /** Announces segments gained and lost since the last map or delta. */
  sendHaveDelta(added: Iterable<number>, removed: Iterable<number>): void {
    for (const m of deltaMessages('have-delta', added, removed)) this.send(m);
  }

  /** Announces segments we started receiving (`added`) or stopped receiving without completing. */
  sendArriving(added: Iterable<number>, removed: Iterable<number>): void {
    for (const m of deltaMessages('arriving', added, removed)) this.send(m);
  }

  /**
   * Requests one segment. Resolves with its bytes; rejects with a {@link PeerError} of type
   * `busy`, `closed`, `timeout`, `absent`, `cancelled` or `protocol`.
   */
  request(seq: number, options: PeerRequestOptions = {}): Promise<Uint8Array> {
    if (!this.connected) return Promise.reject(new PeerError('closed', 'peer is not connected'));
    return this.requests.request(seq, options);
  }

  /** Cancels every request in flight for `seq` (they reject with `cancelled`). */
  cancel(seq: number): void {
    this.requests.cancel(seq);
  }

  /** Estimated receive throughput from this peer in bytes/ms; undefined before a transfer. */
  throughput(): number | undefined {
    return this.requests.throughput();
  }

  /** Closes the connection; pending requests reject with `closed`. Safe to call twice. */
  destroy(err?: PeerError): void {
    this.shutdown('closed', err);
  }

  private send(message: WireMessage): void {
    if (!this.connected) return;
    const bytes = encode(message); // a message we cannot encode is our bug: let it throw
    try {
      this.sp.send(bytes);
    } catch (err) {
      // The channel closed under us; simple-peer reports the close itself.
      const message = err instanceof Error ? err.message : String(err);
      this.shutdown('closed', new PeerError('connection', message, { cause: err }));
    }
  }

  private onData(data: unknown): void {
    if (this.destroyed) return;
    let message: WireMessage;
    try {
      message = decode(data as Uint8Array);
    } catch (err) {
      this.failProtocol(
        err instanceof WireError ? err : new WireError('invalid-field', String(err)),
      );
      return;
    }
    // Well-formed but too many: a flooding remote is dropped like a malformed one.
    const flood = this.guard.admit(message);
    if (flood) {
      this.failProtocol(flood);
      return;
    }
    switch (message.type) {
      case 'have-map':
        this.remote.clear();
        for (const s of message.seqs) {
          this.remote.add(s);
          this.remoteArrivals.delete(s);
        }
        this.emit('have', this.remote);
        return;
      case 'have-delta': {
        for (const s of message.added) {
          this.remote.add(s);
          this.remoteArrivals.delete(s);
        }
        for (const s of message.removed) {
          this.remote.delete(s);
          this.remoteArrivals.delete(s);
        }
        const overflow = this.guard.checkHave(this.remote.size);
        if (overflow) {
          this.failProtocol(overflow);
          return;
        }
        this.emit('have', this.remote);
        return;
      }
      case 'arriving': {
        for (const s of message.added) if (!this.remote.has(s)) this.remoteArrivals.add(s);
        for (const s of message.removed) this.remoteArrivals.delete(s);
        // A remote receives a few segments at once; more is a flood.
        if (this.remoteArrivals.size > MAX_ARRIVING_ITEMS) {
          const n = this.remoteArrivals.size;
          this.failProtocol(new FloodError('have-overflow', `${n} segments arriving`));
          return;
        }
        this.emit('have', this.remote);
        return;
      }
      case 'capacity':
        this.remoteRate = message.bytesPerSec / 1000;
        return;
      case 'request':
        this.server.request(message.requestId, message.seq, message.offset);
        return;
      case 'cancel':
        this.server.cancel(message.requestId);
        return;
      case 'absent':
        // The remote's map was stale: forget the segment there.
        if (
          this.requests.absent(message.requestId, message.seq) &&
          (this.remote.delete(message.seq) || this.remoteArrivals.delete(message.seq))
        ) {
          this.emit('have', this.remote);
        }
        return;
      case 'busy':
        this.requests.busy(message.requestId, message.seq, message.waitMs);
        return;
      case 'data':
        this.requests.data(message);
        return;
    }
  }

  private failProtocol(err: WireError | AssemblyError | FloodError): void {
    this.emit('protocolError', err);
    this.shutdown('protocol');
  }

  private shutdown(pending: 'closed' | 'protocol', err?: PeerError): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.connectTimer);
    this.server.destroy();
    const reason = pending === 'protocol' ? 'remote sent a malformed message' : 'peer closed';
    this.requests.rejectAll(new PeerError(pending, reason));
    if (err) this.emit('error', err);
    this.sp.destroy();
    // simple-peer never clears this timer; left alone it holds the process for 5 s.
    clearTimeout(
      (this.sp as unknown as { _iceCompleteTimer?: ReturnType<typeof setTimeout> })
        ._iceCompleteTimer,
    );
    this.emit('close');
  }
}
