import SimplePeer from 'simple-peer';
import { Emitter } from './emitter.js';
import { filterSignal, type CandidateFilter } from './ice-filter.js';
import { PeerError } from './peer-error.js';
import { PeerServer, type ServingConfig } from './peer-server.js';
import { AssemblyError, SegmentAssembler } from './segment-assembler.js';
import { ThroughputEstimator } from './throughput.js';
import {
  MAX_DELTA_ITEMS,
  MAX_HAVE_SPAN,
  WireError,
  decode,
  encode,
  type DataMessage,
  type WireMessage,
} from './wire.js';

/** Settings of one {@link Peer}. */
export interface PeerConfig extends ServingConfig {
  /** A request fails with `timeout` when no byte of it arrived for this long. @default 4000 */
  requestTimeoutMs: number;
  /** Most requests in flight to this peer; more are rejected with `busy`. @default 4 */
  maxPendingRequests: number;
  /** The connection fails with `connection` unless it opens within this time. @default 15000 */
  connectTimeoutMs: number;
  /** Half-life, in transfer time, of the throughput estimate. @default 2000 */
  throughputHalfLifeMs: number;
}

export const DEFAULT_PEER_CONFIG: Readonly<PeerConfig> = Object.freeze({
  requestTimeoutMs: 4000,
  maxPendingRequests: 4,
  maxServingQueue: 8,
  highWaterMark: 256 * 1024,
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
  /** The remote's set of held segments changed (after a have-map or have-delta). */
  have: (seqs: ReadonlySet<number>) => void;
  /** A chunk of `bytes` segment bytes of `seq` was sent to the remote. */
  uploaded: (bytes: number, seq: number) => void;
  /** The remote sent a malformed message; the connection is dropped (`close` follows). */
  protocolError: (err: WireError | AssemblyError) => void;
}

/** Options of one {@link Peer.request}. */
export interface PeerRequestOptions {
  /** Aborting cancels the request (a wire `cancel` is sent; it rejects with `cancelled`). */
  signal?: AbortSignal;
  onProgress?: (received: number, total: number) => void;
}

interface Outbound {
  readonly requestId: number;
  readonly seq: number;
  readonly assembler: SegmentAssembler;
  readonly sentAt: number;
  readonly options: PeerRequestOptions;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (err: PeerError) => void;
  timer?: ReturnType<typeof setTimeout>;
  firstAt?: number;
  firstBytes?: number;
  onAbort?: () => void;
}

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
  private readonly now: () => number;
  private readonly server: PeerServer;
  private readonly outbound = new Map<number, Outbound>();
  private readonly remote = new Set<number>();
  private readonly throughputEstimator: ThroughputEstimator;
  private readonly connectTimer: ReturnType<typeof setTimeout>;
  private nextRequestId = 1;
  private isOpen = false;
  private destroyed = false;
  private received = 0;

  constructor(options: PeerOptions) {
    super();
    this.id = options.id;
    this.config = Object.freeze(mergeConfig(options.config ?? {}));
    this.filter = options.candidateFilter ?? 'none';
    this.now = options.now ?? (() => performance.now());
    this.throughputEstimator = new ThroughputEstimator(this.config.throughputHalfLifeMs);
    this.sp = new SimplePeer({
      initiator: options.initiator,
      trickle: true,
      objectMode: true, // one data event per channel message, never coalesced
      config: { iceServers: options.iceServers ?? [] },
      ...(options.wrtc && { wrtc: options.wrtc }),
    });
    this.server = new PeerServer(this.config, {
      provide: options.provide,
      send: (m) => this.send(m),
      bufferedAmount: () => this.sp.bufferSize,
      uploaded: (bytes, seq) => this.emit('uploaded', bytes, seq),
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

  /** Requests in flight to the remote. */
  get pendingRequests(): number {
    return this.outbound.size;
  }

  /** Segment bytes received from the remote (chunk payloads, cancelled transfers included). */
  get bytesReceived(): number {
    return this.received;
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
    const gone = new Set(removed);
    const items = [
      ...[...new Set(added)].filter((s) => !gone.has(s)).map((s) => [s, true] as const),
      ...[...gone].map((s) => [s, false] as const),
    ];
    for (let i = 0; i < items.length; i += MAX_DELTA_ITEMS) {
      const part = items.slice(i, i + MAX_DELTA_ITEMS);
      const pick = (held: boolean): number[] => part.filter((x) => x[1] === held).map((x) => x[0]);
      this.send({ type: 'have-delta', added: pick(true), removed: pick(false) });
    }
  }

  /**
   * Requests one segment. Resolves with its bytes; rejects with a {@link PeerError} of type
   * `busy`, `closed`, `timeout`, `absent`, `cancelled` or `protocol`.
   */
  request(seq: number, options: PeerRequestOptions = {}): Promise<Uint8Array> {
    if (!this.connected) return Promise.reject(new PeerError('closed', 'peer is not connected'));
    if (options.signal?.aborted) return Promise.reject(new PeerError('cancelled', 'aborted'));
    if (this.outbound.size >= this.config.maxPendingRequests) {
      return Promise.reject(new PeerError('busy', `${this.outbound.size} requests in flight`));
    }
    if (!Number.isSafeInteger(seq) || seq < 0) {
      return Promise.reject(new RangeError(`invalid segment sequence number ${seq}`));
    }
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId % 0xffffffff) + 1;
    return new Promise<Uint8Array>((resolve, reject) => {
      const entry: Outbound = {
        requestId,
        seq,
        assembler: new SegmentAssembler({ requestId, seq }),
        sentAt: this.now(),
        options,
        resolve,
        reject,
      };
      this.outbound.set(requestId, entry);
      if (options.signal) {
        entry.onAbort = () => this.abandon(entry, new PeerError('cancelled', 'aborted'));
        options.signal.addEventListener('abort', entry.onAbort);
      }
      this.arm(entry);
      this.send({ type: 'request', requestId, seq });
    });
  }

  /** Cancels every request in flight for `seq` (they reject with `cancelled`). */
  cancel(seq: number): void {
    for (const entry of [...this.outbound.values()]) {
      if (entry.seq === seq) this.abandon(entry, new PeerError('cancelled', `cancelled ${seq}`));
    }
  }

  /** Estimated receive throughput from this peer in bytes/ms; undefined before a transfer. */
  throughput(): number | undefined {
    return this.throughputEstimator.estimate();
  }

  /** Closes the connection; pending requests reject with `closed`. Safe to call twice. */
  destroy(err?: PeerError): void {
    this.shutdown('closed', err);
  }

  private send(message: WireMessage): void {
    if (!this.connected) return;
    try {
      this.sp.send(encode(message));
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
    switch (message.type) {
      case 'have-map':
        this.remote.clear();
        for (const s of message.seqs) this.remote.add(s);
        this.emit('have', this.remote);
        return;
      case 'have-delta':
        for (const s of message.added) this.remote.add(s);
        for (const s of message.removed) this.remote.delete(s);
        this.emit('have', this.remote);
        return;
      case 'request':
        this.server.request(message.requestId, message.seq);
        return;
      case 'cancel':
        this.server.cancel(message.requestId);
        return;
      case 'absent':
        this.onAbsent(message.requestId, message.seq);
        return;
      case 'data':
        this.onChunk(message);
        return;
    }
  }

  private onAbsent(requestId: number, seq: number): void {
    const entry = this.outbound.get(requestId);
    if (entry?.seq !== seq) return; // late answer to an abandoned request
    this.settle(entry, new PeerError('absent', `remote does not hold ${seq}`));
    if (this.remote.delete(seq)) this.emit('have', this.remote);
  }

  private onChunk(message: DataMessage): void {
    const entry = this.outbound.get(message.requestId);
    if (!entry) return; // chunks still in flight after a cancel or a timeout
    try {
      entry.assembler.push(message);
    } catch (err) {
      if (err instanceof AssemblyError) this.failProtocol(err);
      else throw err;
      return;
    }
    const at = this.now();
    this.received += message.chunk.length;
    entry.firstAt ??= at;
    entry.firstBytes ??= message.chunk.length;
    const { assembler } = entry;
    this.notifyProgress(entry, assembler.received, assembler.total ?? 0);
    if (!assembler.complete) {
      this.arm(entry);
      return;
    }
    // Rate over the transfer itself when it spans chunks, else over the whole round trip.
    const spread = at - entry.firstAt;
    if (spread > 0) this.throughputEstimator.sample(assembler.received - entry.firstBytes, spread);
    else this.throughputEstimator.sample(assembler.received, at - entry.sentAt);
    this.settle(entry, assembler.bytes());
  }

  private notifyProgress(entry: Outbound, received: number, total: number): void {
    try {
      entry.options.onProgress?.(received, total);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /** (Re)starts the request's inactivity timer. */
  private arm(entry: Outbound): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      const ms = this.config.requestTimeoutMs;
      this.abandon(entry, new PeerError('timeout', `no data for ${entry.seq} in ${ms} ms`));
    }, this.config.requestTimeoutMs);
  }

  /** Gives up a request: tells the remote to stop sending, then rejects. */
  private abandon(entry: Outbound, err: PeerError): void {
    if (this.outbound.get(entry.requestId) !== entry) return;
    this.send({ type: 'cancel', requestId: entry.requestId });
    this.settle(entry, err);
  }

  private settle(entry: Outbound, result: Uint8Array | PeerError): void {
    this.outbound.delete(entry.requestId);
    clearTimeout(entry.timer);
    if (entry.onAbort) entry.options.signal?.removeEventListener('abort', entry.onAbort);
    if (result instanceof PeerError) entry.reject(result);
    else entry.resolve(result);
  }

  private failProtocol(err: WireError | AssemblyError): void {
    this.emit('protocolError', err);
    this.shutdown('protocol');
  }

  private shutdown(pending: 'closed' | 'protocol', err?: PeerError): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.connectTimer);
    this.server.destroy();
    const reason = pending === 'protocol' ? 'remote sent a malformed message' : 'peer closed';
    for (const entry of [...this.outbound.values()]) {
      this.settle(entry, new PeerError(pending, reason));
    }
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
