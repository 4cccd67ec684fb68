import { PeerError } from './peer-error.js';
import { AssemblyError, SegmentAssembler } from './segment-assembler.js';
import { ThroughputEstimator } from './throughput.js';
import { MAX_SEGMENT_BYTES, type DataMessage, type WireMessage } from './wire.js';

/** The requesting side of a peer connection's settings. */
export interface RequestingConfig {
  /** A request fails with `timeout` when no byte of it arrived for this long. @default 4000 */
  requestTimeoutMs: number;
  /** Most requests in flight to this peer; more are rejected with `busy`. @default 4 */
  maxPendingRequests: number;
  /** Half-life, in transfer time, of the throughput estimate. @default 2000 */
  throughputHalfLifeMs: number;
}

/** Options of one segment request to a peer. */
export interface PeerRequestOptions {
  /** Aborting cancels the request (a wire `cancel` is sent; it rejects with `cancelled`). */
  signal?: AbortSignal;
  /**
   * Ask only for the bytes from this offset on (the rest of a segment whose head came from
   * another peer); the request resolves with those bytes. Holders serve it from complete
   * segments only. @default 0
   */
  from?: number;
  /** Progress: `received` is the end of the bytes in so far (from `from`), of `total`. */
  onProgress?: (received: number, total: number) => void;
  /** Each chunk's bytes as it arrives, in order (a view: copy it to keep it). Before onProgress. */
  onData?: (offset: number, chunk: Uint8Array, total: number) => void;
}

/** What the requests need from their connection. */
export interface PeerRequestsLink {
  send: (message: WireMessage) => void;
  now: () => number;
  /** A data message that does not fit its request: the connection must be dropped. */
  protocolError: (err: AssemblyError) => void;
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
 * The segment requests that one side of a connection has in flight to the other: request ids,
 * reassembly, inactivity timeouts, cancellation, and the receive-throughput estimate.
 */
export class PeerRequests {
  private readonly inFlight = new Map<number, Outbound>();
  private readonly estimator: ThroughputEstimator;
  private nextRequestId = 1;
  private received = 0;
  private remoteBusyUntil = 0;

  constructor(
    private readonly config: Readonly<RequestingConfig>,
    private readonly link: PeerRequestsLink,
  ) {
    this.estimator = new ThroughputEstimator(config.throughputHalfLifeMs);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Segment bytes received (chunk payloads, abandoned transfers included). */
  get bytesReceived(): number {
    return this.received;
  }

  /** Receive throughput in bytes/ms, or undefined before the first completed transfer. */
  throughput(): number | undefined {
    return this.estimator.estimate();
  }

  /** Sends a request for `seq`; the caller has checked that the connection is open. */
  request(seq: number, options: PeerRequestOptions): Promise<Uint8Array> {
    if (options.signal?.aborted) return Promise.reject(new PeerError('cancelled', 'aborted'));
    if (this.inFlight.size >= this.config.maxPendingRequests) {
      return Promise.reject(new PeerError('busy', `${this.inFlight.size} requests in flight`));
    }
    if (!Number.isSafeInteger(seq) || seq < 0) {
      return Promise.reject(new RangeError(`invalid segment sequence number ${seq}`));
    }
    const from = options.from ?? 0;
    if (!Number.isInteger(from) || from < 0 || from >= MAX_SEGMENT_BYTES) {
      return Promise.reject(new RangeError(`invalid request offset ${from}`));
    }
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId % 0xffffffff) + 1;
    return new Promise<Uint8Array>((resolve, reject) => {
      const entry: Outbound = {
        requestId,
        seq,
        assembler: new SegmentAssembler({ requestId, seq, from }),
        sentAt: this.link.now(),
        options,
        resolve,
        reject,
      };
      this.inFlight.set(requestId, entry);
      if (options.signal) {
        entry.onAbort = () => this.abandon(entry, new PeerError('cancelled', 'aborted'));
        options.signal.addEventListener('abort', entry.onAbort);
      }
      this.arm(entry);
      this.link.send({ type: 'request', requestId, seq, offset: from });
    });
  }

  /** Cancels every request in flight for `seq` (they reject with `cancelled`). */
  cancel(seq: number): void {
    for (const entry of [...this.inFlight.values()]) {
      if (entry.seq === seq) this.abandon(entry, new PeerError('cancelled', `cancelled ${seq}`));
    }
  }

  /** Handles the remote's `absent`; returns whether it answered a request in flight. */
  absent(requestId: number, seq: number): boolean {
    const entry = this.inFlight.get(requestId);
    if (entry?.seq !== seq) return false; // late answer to an abandoned request
    this.settle(entry, new PeerError('absent', `remote does not hold ${seq}`));
    return true;
  }

  /**
   * Handles the remote's `busy`: the request rejects with `busy`, and the remote counts as
   * saturated for `waitMs` (see {@link busyUntil}). Returns whether it answered a request.
   */
  busy(requestId: number, seq: number, waitMs: number): boolean {
    const entry = this.inFlight.get(requestId);
    if (entry?.seq !== seq) return false;
    this.remoteBusyUntil = Math.max(this.remoteBusyUntil, this.link.now() + waitMs);
    this.settle(entry, new PeerError('busy', `remote is busy for ${waitMs} ms`));
    return true;
  }

  /** Until when (clock ms) the remote said it is too busy to serve; 0 if it never did. */
  get busyUntil(): number {
    return this.remoteBusyUntil;
  }

  /** Handles one chunk of a requested segment. */
  data(message: DataMessage): void {
    const entry = this.inFlight.get(message.requestId);
    if (!entry) return; // chunks still in flight after a cancel or a timeout
    try {
      entry.assembler.push(message);
    } catch (err) {
      if (!(err instanceof AssemblyError)) throw err;
      this.link.protocolError(err);
      return;
    }
    const at = this.link.now();
    this.received += message.chunk.length;
    entry.firstAt ??= at;
    entry.firstBytes ??= message.chunk.length;
    const { assembler } = entry;
    notify(entry.options, assembler.received, assembler.total ?? 0, message);
    if (!assembler.complete) {
      this.arm(entry);
      return;
    }
    // Rate over the transfer itself when it spans chunks, else over the whole round trip.
    const spread = at - entry.firstAt;
    const bytes = assembler.received - assembler.from;
    if (spread > 0) this.estimator.sample(bytes - entry.firstBytes, spread);
    else this.estimator.sample(bytes, at - entry.sentAt);
    this.settle(entry, assembler.bytes());
  }

  /** Rejects every request in flight with `err`, without telling the remote. */
  rejectAll(err: PeerError): void {
    for (const entry of [...this.inFlight.values()]) this.settle(entry, err);
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
    if (this.inFlight.get(entry.requestId) !== entry) return;
    this.link.send({ type: 'cancel', requestId: entry.requestId });
    this.settle(entry, err);
  }

  private settle(entry: Outbound, result: Uint8Array | PeerError): void {
    this.inFlight.delete(entry.requestId);
    clearTimeout(entry.timer);
    if (entry.onAbort) entry.options.signal?.removeEventListener('abort', entry.onAbort);
    if (result instanceof PeerError) entry.reject(result);
    else entry.resolve(result);
  }
}

/** Calls the caller's progress callback; a callback that throws must not break the transfer. */
function notify(
  options: PeerRequestOptions,
  received: number,
  total: number,
  message: DataMessage,
): void {
  try {
    options.onData?.(message.offset, message.chunk, total);
    options.onProgress?.(received, total);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
