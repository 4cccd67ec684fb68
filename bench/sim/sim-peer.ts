import type { ArrivalSource } from '../../client/src/core/arrival.js';
import { PeerError, type PeerErrorType } from '../../client/src/core/peer-error.js';
import type { PeerRequestOptions } from '../../client/src/core/peer-requests.js';
import type { SessionPeer } from '../../client/src/core/rendition-session.js';
import { ThroughputEstimator } from '../../client/src/core/throughput.js';
import { MAX_CHUNK_BYTES, decode, encode, type WireMessage } from '../../client/src/core/wire.js';
import type { EventQueue } from './event-queue.js';
import type { Flow, FlowNetwork, FlowNode } from './flow-network.js';

/** Bytes a data message adds to its chunk (measured with the real encoder). */
export const DATA_HEADER_BYTES =
  encode({ type: 'data', requestId: 1, seq: 1, total: 1, offset: 0, chunk: new Uint8Array(1) })
    .length - 1;

/** Data messages a segment of `bytes` takes on the wire. */
export const chunksOf = (bytes: number): number => Math.max(1, Math.ceil(bytes / MAX_CHUNK_BYTES));

/** The peer settings the simulator honours (the fields of the client's PeerConfig). */
export interface SimPeerLimits {
  requestTimeoutMs: number;
  maxPendingRequests: number;
  maxServingQueue: number;
  maxServingWaitMs: number;
  throughputHalfLifeMs: number;
}

/** Byte counts of everything sent between peers, over all viewers. */
export interface WireCounters {
  /** Encoded control messages (have-map, have-delta, request, cancel, absent), bytes. */
  controlBytes: number;
  controlByType: Record<Exclude<WireMessage['type'], 'data'>, number>;
  /** Segment bytes sent in data messages (chunk payloads, cancelled transfers included). */
  payloadBytes: number;
  /** Data message headers, counted per chunk. */
  headerBytes: number;
  /** Failed peer requests by reason (cancellations by the session included). */
  failures: Record<PeerErrorType, number>;
  /**
   * Cut-through transfers (served while the segment was still arriving at the server):
   * started, completed, answered `absent` (upstream failed), cancelled by the requester.
   */
  relays: { started: number; completed: number; failed: number; cancelled: number };
}

export function createWireCounters(): WireCounters {
  return {
    controlBytes: 0,
    controlByType: {
      'have-map': 0,
      'have-delta': 0,
      request: 0,
      cancel: 0,
      absent: 0,
      busy: 0,
      arriving: 0,
      capacity: 0,
    },
    payloadBytes: 0,
    headerBytes: 0,
    relays: { started: 0, completed: 0, failed: 0, cancelled: 0 },
    failures: {
      timeout: 0,
      absent: 0,
      closed: 0,
      cancelled: 0,
      protocol: 0,
      busy: 0,
      connection: 0,
    },
  };
}

/** What a connection end needs from the viewer that owns it. */
export interface PeerHost {
  readonly id: string;
  readonly node: FlowNode;
  readonly uploads: UploadGate;
  provide(seq: number): Uint8Array | undefined;
  /** A segment the owner is still receiving from a peer (its session's arrival), to relay. */
  arrival(seq: number): ArrivalSource | undefined;
  /** The flow bringing that segment in (the relay's upstream). */
  upstream(seq: number): Flow | undefined;
  onUpload(bytes: number): void;
  onHave(peer: SimPeer): void;
  onClosed(peer: SimPeer): void;
  /** Brings the progress of the owner's requests up to date (before its session runs). */
  refresh(): void;
  /** The owner's connections with requests in flight. */
  readonly busy: Set<SimPeer>;
  /** Records a moment of a segment's life at the owner (timing figures). */
  probe(event: 'peer-request' | 'peer-done', seq: number): void;
}

export interface SimPeerContext {
  q: EventQueue;
  net: FlowNetwork;
  limits: SimPeerLimits;
  wire: WireCounters;
  /** Prints a line about one viewer (SIM_TRACE). */
  trace?: (host: PeerHost, line: string) => void;
  /** A segment's bytes, for the chunks a requester sees (`onData`). */
  bytesOf?: (seq: number) => Uint8Array | undefined;
  /** Counts one transfer's payload between two viewers (bench/sim/regions.ts). */
  onPayload?: (from: string, to: string, bytes: number) => void;
}

/**
 * How many segments a viewer sends at once over all its connections, as the client's
 * UploadLimiter: `slots` at once, the other connections wait in order for a slot. It also
 * estimates, as the client does, how long a new request would wait (the bytes ahead of it over
 * the upload rate; the simulator knows the rate, the client measures it).
 */
export class UploadGate {
  /** Requests queued on the viewer's connections, not being served. */
  queued = 0;
  /** Segment bytes of the queued requests. */
  queuedBytes = 0;
  /** Transfers being sent (flows with their segment bytes). */
  readonly sending = new Set<Flow>();
  active = 0;
  /** Upload rate measured from whole-segment uploads, bytes/ms (the client's measuredRate). */
  measured: number | undefined;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param slots segments sent at once
   * @param maxQueued requests queued over all connections beyond which a new one is answered
   *   `absent` at once (Infinity: only the per-connection `maxServingQueue` applies)
   */
  constructor(
    readonly slots: number,
    readonly maxQueued = Infinity,
  ) {}

  /** Wait before a new request's first byte, ms (the client's UploadLimiter.waitMs). */
  waitMs(net: FlowNetwork, up: number): number {
    if (this.active < this.slots) return 0;
    let left = this.queuedBytes;
    for (const f of this.sending) left += f.bytes - net.sent(f);
    return left / up;
  }

  /** Whether a new request should be refused (all slots busy and the queue full). */
  get full(): boolean {
    return this.active >= this.slots && this.queued >= this.maxQueued;
  }

  /** Takes a slot now, or queues `wake` (called once a slot is free; it must take it). */
  acquire(wake: () => void): boolean {
    if (this.active < this.slots) {
      this.active++;
      return true;
    }
    this.waiting.push(wake);
    return false;
  }

  /** One upload's rate, as the client's UploadLimiter samples a busy period. */
  sample(rate: number): void {
    this.measured = this.measured === undefined ? rate : this.measured * 0.7 + rate * 0.3;
  }

  /** Frees a slot: hands it to the first waiter, if any. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** Forgets a queued waiter (its connection closed or has nothing to send). */
  forget(wake: () => void): void {
    const i = this.waiting.indexOf(wake);
    if (i >= 0) this.waiting.splice(i, 1);
  }
}

interface Outbound {
  readonly requestId: number;
  readonly seq: number;
  readonly sentAt: number;
  readonly options: PeerRequestOptions;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (err: PeerError) => void;
  /** The remote's transfer, once it started serving. */
  flow?: Flow;
  total?: number;
  /** A ranged request's first byte (0: the whole segment). */
  readonly from: number;
  firstAt?: number;
  /** End of the bytes in so far (from `from`). */
  received: number;
  lastDataAt: number;
  onAbort?: () => void;
}

interface Job {
  readonly requestId: number;
  readonly seq: number;
  /** A ranged request's first byte (0: the whole segment). */
  readonly offset: number;
  /** Segment bytes counted in the gate's queue. */
  readonly size: number;
  flow?: Flow;
  /** Segment size, once serving started. */
  total?: number;
  /** Stops watching the arrival of a relayed segment. */
  unwatch?: () => void;
}

const TYPE_BY_TAG = [
  '',
  'have-map',
  'have-delta',
  'request',
  'data',
  'cancel',
  'absent',
  'busy',
  'arriving',
  'capacity',
] as const;

/**
 * One end of a simulated data-channel connection: the local viewer's view of a neighbour
 * (implements the session's {@link SessionPeer}) and the server of the neighbour's requests.
 * It mirrors the client's Peer / PeerRequests / PeerServer: control messages go through the
 * real wire encoder and decoder and arrive after the link latency; each connection serves one
 * request at a time in order (`maxServingQueue` waiting, more are answered `absent`); a
 * request with no data for `requestTimeoutMs` is cancelled. Segment data is a timed flow over
 * the two access links; progress is seen chunk by chunk (16 KiB) when the owner polls it.
 */
export class SimPeer implements SessionPeer {
  readonly remoteHave = new Set<number>();
  /** Segments the remote said it is receiving (cut-through relay). */
  readonly remoteArriving = new Set<number>();
  /** The other end, once the remote accepted the connection. */
  remote: SimPeer | undefined;
  open = false;
  /** Whether it was ever open. */
  opened = false;
  closed = false;
  /** Segment payload bytes received and sent (the swarm's partner score). */
  bytesReceived = 0;
  bytesSent = 0;
  /** Until when the remote said it is too busy to serve (the client's Peer.busyUntil). */
  busyUntil = 0;
  /** The remote's advertised upload rate, bytes/ms (the client's Peer.remoteUploadRate). */
  remoteUploadRate: number | undefined;
  private readonly inFlight = new Map<number, Outbound>();
  private readonly estimator: ThroughputEstimator;
  private nextRequestId = 1;
  private queue: Job[] = [];
  private current: Job | undefined;
  /** Queued at the upload gate. */
  private gateWaiting = false;

  constructor(
    private readonly ctx: SimPeerContext,
    private readonly host: PeerHost,
    /** The remote viewer's id. */
    readonly id: string,
    /** One-way latency of the link, ms. */
    readonly latencyMs: number,
    readonly initiator: boolean,
  ) {
    this.estimator = new ThroughputEstimator(ctx.limits.throughputHalfLifeMs);
  }

  get connected(): boolean {
    return this.open && !this.closed;
  }

  get pendingRequests(): number {
    return this.inFlight.size;
  }

  throughput(): number | undefined {
    return this.estimator.estimate();
  }

  request(seq: number, options: PeerRequestOptions = {}): Promise<Uint8Array> {
    if (!this.connected) return Promise.reject(this.fail('closed', 'peer is not connected'));
    if (options.signal?.aborted) return Promise.reject(this.fail('cancelled', 'aborted'));
    if (this.inFlight.size >= this.ctx.limits.maxPendingRequests) {
      return Promise.reject(this.fail('busy', `${this.inFlight.size} requests in flight`));
    }
    const requestId = this.nextRequestId++;
    const now = this.ctx.q.now;
    const from = options.from ?? 0;
    return new Promise<Uint8Array>((resolve, reject) => {
      const entry: Outbound = {
        requestId,
        seq,
        sentAt: now,
        options,
        resolve,
        reject,
        from,
        received: from,
        lastDataAt: now,
      };
      this.inFlight.set(requestId, entry);
      this.host.busy.add(this);
      this.host.probe('peer-request', seq);
      if (options.signal) {
        entry.onAbort = () => {
          this.abandon(entry, 'cancelled', 'aborted');
        };
        options.signal.addEventListener('abort', entry.onAbort);
      }
      this.send({ type: 'request', requestId, seq, offset: from });
    });
  }

  /** Sends an encoded control message to the remote. */
  sendBytes(bytes: Uint8Array): void {
    const remote = this.remote;
    if (!this.connected || !remote) return;
    const w = this.ctx.wire;
    w.controlBytes += bytes.length;
    const type = TYPE_BY_TAG[bytes[1] ?? 0];
    if (type && type !== 'data') w.controlByType[type] += bytes.length;
    this.ctx.q.after(this.latencyMs, () => {
      remote.receive(bytes);
    });
  }

  send(message: WireMessage): void {
    if (this.connected) this.sendBytes(encode(message));
  }

  /**
   * Reports the chunks that arrived since the last poll and abandons requests without data for
   * `requestTimeoutMs`. The owner polls before anything that makes its session run (tick,
   * playlist, announcements, completions), so the scheduler sees progress as it is, as it does
   * with the real per-chunk progress callbacks.
   */
  poll(): void {
    const now = this.ctx.q.now;
    for (const entry of [...this.inFlight.values()]) {
      const flow = entry.flow;
      if (flow && entry.total !== undefined) {
        // Bytes that reached us: what the remote sent, one link latency ago.
        const wire = Math.max(0, this.ctx.net.sent(flow) - flow.rate * this.latencyMs);
        const chunks = Math.floor(wire / (MAX_CHUNK_BYTES + DATA_HEADER_BYTES));
        const received = Math.min(entry.total, entry.from + chunks * MAX_CHUNK_BYTES);
        this.ctx.trace?.(
          this.host,
          `poll ${entry.seq} from ${this.id}: rate ${flow.rate.toFixed(1)} B/ms, ` +
            `${flow.from?.outFlows.size ?? 0} uploads there, received ${received}`,
        );
        if (received > entry.received) {
          this.bytesReceived += received - entry.received;
          const bytes = entry.options.onData && this.ctx.bytesOf?.(entry.seq);
          if (bytes?.length === entry.total) {
            entry.options.onData?.(
              entry.received,
              bytes.subarray(entry.received, received),
              entry.total,
            );
          }
          entry.received = received;
          entry.lastDataAt = now;
          entry.options.onProgress?.(received, entry.total);
        }
      }
      if (now - entry.lastDataAt >= this.ctx.limits.requestTimeoutMs) {
        const ms = this.ctx.limits.requestTimeoutMs;
        this.abandon(entry, 'timeout', `no data for ${entry.seq} in ${ms} ms`);
      }
    }
  }

  /** The flow of our request in flight for `seq`, once the remote started sending it. */
  inboundFlow(seq: number): Flow | undefined {
    for (const entry of this.inFlight.values()) {
      if (entry.seq === seq && entry.flow && !entry.flow.done) return entry.flow;
    }
    return undefined;
  }

  /** Closes this end; the remote end closes one latency later. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.stopServing();
    for (const entry of [...this.inFlight.values()]) this.settle(entry, 'closed', 'peer closed');
    const remote = this.remote;
    if (remote) {
      this.ctx.q.after(this.latencyMs, () => {
        remote.close();
      });
    }
    this.host.onClosed(this);
  }

  private receive(bytes: Uint8Array): void {
    if (this.closed) return;
    const message = decode(bytes);
    switch (message.type) {
      case 'have-map':
        this.remoteHave.clear();
        for (const s of message.seqs) {
          this.remoteHave.add(s);
          this.remoteArriving.delete(s);
        }
        this.host.onHave(this);
        return;
      case 'have-delta':
        for (const s of message.added) {
          this.remoteHave.add(s);
          this.remoteArriving.delete(s);
        }
        for (const s of message.removed) {
          this.remoteHave.delete(s);
          this.remoteArriving.delete(s);
        }
        this.host.onHave(this);
        return;
      case 'arriving':
        for (const s of message.added) if (!this.remoteHave.has(s)) this.remoteArriving.add(s);
        for (const s of message.removed) this.remoteArriving.delete(s);
        this.host.onHave(this);
        return;
      case 'request':
        this.serve(message.requestId, message.seq, message.offset);
        return;
      case 'cancel':
        this.cancelServing(message.requestId);
        return;
      case 'absent': {
        const entry = this.inFlight.get(message.requestId);
        if (entry?.seq !== message.seq) return;
        this.settle(entry, 'absent', `remote does not hold ${message.seq}`);
        const stale = this.remoteHave.delete(message.seq);
        if (this.remoteArriving.delete(message.seq) || stale) this.host.onHave(this);
        return;
      }
      case 'busy': {
        const entry = this.inFlight.get(message.requestId);
        if (entry?.seq !== message.seq) return;
        this.busyUntil = Math.max(this.busyUntil, this.ctx.q.now + message.waitMs);
        this.settle(entry, 'busy', `remote is busy for ${message.waitMs} ms`);
        return;
      }
      case 'capacity':
        this.remoteUploadRate = message.bytesPerSec / 1000;
        return;
      case 'data':
        return; // data travels as flows, never as messages
    }
  }

  // --- requesting side ---

  /** The remote started sending our request (a simulator shortcut for its first chunk). */
  private transferStarted(requestId: number, flow: Flow, total: number): void {
    const entry = this.inFlight.get(requestId);
    if (!entry) return;
    entry.flow = flow;
    entry.total = total;
    const first = Math.min(total - entry.from, MAX_CHUNK_BYTES) + DATA_HEADER_BYTES;
    const rate = flow.firstRate > 0 ? flow.firstRate : Math.max(flow.rate, 1e-3);
    const firstAt = flow.startedAt + this.latencyMs + first / rate;
    entry.firstAt = firstAt;
    // The first chunk's progress as it lands (the session announces the segment as arriving).
    this.ctx.q.at(Math.ceil(firstAt), () => {
      if (this.inFlight.get(requestId) === entry) this.poll();
    });
  }

  /** The last chunk of a request arrived. */
  private arrived(requestId: number, bytes: Uint8Array): void {
    const entry = this.inFlight.get(requestId);
    if (!entry) return; // chunks still in flight after a cancel or a timeout
    const now = this.ctx.q.now;
    this.bytesReceived += bytes.length - entry.received;
    entry.received = bytes.length;
    entry.options.onProgress?.(bytes.length, bytes.length);
    const sent = bytes.length - entry.from;
    const firstAt = Math.min(entry.firstAt ?? now, now);
    const firstBytes = Math.min(sent, MAX_CHUNK_BYTES);
    if (now > firstAt) this.estimator.sample(sent - firstBytes, now - firstAt);
    else this.estimator.sample(sent, now - entry.sentAt);
    this.inFlight.delete(requestId);
    if (this.inFlight.size === 0) this.host.busy.delete(this);
    if (entry.onAbort) entry.options.signal?.removeEventListener('abort', entry.onAbort);
    this.host.refresh();
    this.host.probe('peer-done', entry.seq);
    entry.resolve(entry.from > 0 ? bytes.subarray(entry.from) : bytes);
  }

  private abandon(entry: Outbound, type: PeerErrorType, message: string): void {
    if (this.inFlight.get(entry.requestId) !== entry) return;
    this.send({ type: 'cancel', requestId: entry.requestId });
    this.settle(entry, type, message);
  }

  private settle(entry: Outbound, type: PeerErrorType, message: string): void {
    this.inFlight.delete(entry.requestId);
    if (this.inFlight.size === 0) this.host.busy.delete(this);
    if (entry.onAbort) entry.options.signal?.removeEventListener('abort', entry.onAbort);
    entry.reject(this.fail(type, message));
  }

  private fail(type: PeerErrorType, message: string): PeerError {
    this.ctx.wire.failures[type]++;
    return new PeerError(type, message);
  }

  // --- serving side ---

  private serve(requestId: number, seq: number, offset: number): void {
    if (this.current?.requestId === requestId || this.queue.some((j) => j.requestId === requestId))
      return;
    const gate = this.host.uploads;
    if (this.queue.length >= this.ctx.limits.maxServingQueue || gate.full) {
      this.send({ type: 'absent', requestId, seq });
      return;
    }
    const waitMs = Math.round(gate.waitMs(this.ctx.net, this.host.node.up));
    if (waitMs > this.ctx.limits.maxServingWaitMs) {
      this.send({ type: 'busy', requestId, seq, waitMs });
      return;
    }
    const whole = this.host.provide(seq)?.length ?? this.host.arrival(seq)?.total ?? 0;
    const size = Math.max(0, whole - offset);
    this.queue.push({ requestId, seq, offset, size });
    gate.queued++;
    gate.queuedBytes += size;
    this.pump();
  }

  private readonly wake = (): void => {
    this.gateWaiting = false;
    this.pump(true);
  };

  private pump(slotTaken = false): void {
    const remote = this.remote;
    let slot = slotTaken;
    while (!this.current && this.connected && remote) {
      const job = this.queue[0];
      if (!job) break;
      if (!slot) {
        if (this.gateWaiting) return;
        if (!this.host.uploads.acquire(this.wake)) {
          this.gateWaiting = true;
          return;
        }
        slot = true;
      }
      this.queue.shift();
      this.host.uploads.queued--;
      this.host.uploads.queuedBytes -= job.size;
      const held = this.host.provide(job.seq);
      // A range is served from a complete segment only, as the client's PeerServer does.
      const bytes = held && job.offset < held.length ? held : undefined;
      const arrival = held || job.offset > 0 ? undefined : this.host.arrival(job.seq);
      const upstream = arrival?.state === 'arriving' ? this.host.upstream(job.seq) : undefined;
      if (!bytes && !upstream) {
        this.send({ type: 'absent', requestId: job.requestId, seq: job.seq });
        continue;
      }
      slot = false;
      this.current = job;
      const total = bytes?.length ?? arrival?.total ?? 0;
      job.total = total;
      const wire = total - job.offset + chunksOf(total - job.offset) * DATA_HEADER_BYTES;
      if (bytes) {
        job.flow = this.ctx.net.start(this.host.node, remote.host.node, wire, () => {
          this.served(job, bytes);
        });
      } else if (arrival && upstream) {
        // Cut-through, as the client's PeerServer.relay: bytes go on as they come in, the
        // last chunk once the segment is complete here; a failed arrival answers `absent`.
        const failed = (): void => {
          this.relayFailed(job);
        };
        job.flow = this.ctx.net.start(
          this.host.node,
          remote.host.node,
          wire,
          () => {
            this.relayed(job, arrival);
          },
          { upstream, onFail: failed },
        );
        job.unwatch = arrival.watch(() => {
          if (arrival.state === 'failed') failed();
        });
        this.ctx.wire.relays.started++;
      }
      if (!job.flow) continue;
      this.host.uploads.sending.add(job.flow);
      remote.transferStarted(job.requestId, job.flow, total);
    }
    if (slot) this.host.uploads.release(); // taken, then nothing to send
  }

  /** A relayed flow sent everything but its last chunk waits for the segment to complete here. */
  private relayed(job: Job, arrival: ArrivalSource): void {
    if (this.current !== job) return;
    job.unwatch?.();
    const finish = (): boolean => {
      const bytes = this.host.provide(job.seq) ?? arrival.bytes;
      if (bytes) {
        job.unwatch?.();
        this.served(job, bytes);
        return true;
      }
      if (arrival.state !== 'arriving') {
        this.relayFailed(job);
        return true;
      }
      return false;
    };
    if (finish()) return;
    job.unwatch = arrival.watch(() => {
      if (this.current === job) finish();
    });
  }

  /** The relayed segment failed upstream: stop, answer `absent`, serve the next request. */
  private relayFailed(job: Job): void {
    if (this.current !== job) return;
    this.ctx.wire.relays.failed++;
    this.stopCurrent();
    this.send({ type: 'absent', requestId: job.requestId, seq: job.seq });
    this.pump();
  }

  private served(job: Job, bytes: Uint8Array): void {
    const relayed = job.unwatch !== undefined;
    if (relayed) this.ctx.wire.relays.completed++;
    job.unwatch?.();
    this.current = undefined;
    const flow = job.flow;
    // A relay's rate is its upstream's: the client leaves those waits out of its measurement.
    const sent = bytes.length - job.offset;
    if (!relayed && flow && this.ctx.q.now > flow.startedAt) {
      this.host.uploads.sample(sent / (this.ctx.q.now - flow.startedAt));
    }
    if (job.flow) this.host.uploads.sending.delete(job.flow);
    this.host.uploads.release();
    this.countUpload(sent, chunksOf(sent));
    const remote = this.remote;
    if (remote) {
      this.ctx.q.after(this.latencyMs, () => {
        if (!remote.closed) remote.arrived(job.requestId, bytes);
      });
    }
    this.pump();
  }

  private cancelServing(requestId: number): void {
    const gone = this.queue.filter((j) => j.requestId === requestId);
    this.queue = this.queue.filter((j) => j.requestId !== requestId);
    this.host.uploads.queued -= gone.length;
    for (const j of gone) this.host.uploads.queuedBytes -= j.size;
    if (this.current?.requestId === requestId) {
      if (this.current.unwatch) this.ctx.wire.relays.cancelled++;
      this.stopCurrent();
      this.pump();
    }
  }

  /** Stops the transfer in progress "between two chunks", counting what was sent. */
  private stopCurrent(): void {
    const job = this.current;
    this.current = undefined;
    job?.unwatch?.();
    if (!job?.flow || job.total === undefined) return;
    this.host.uploads.sending.delete(job.flow);
    this.host.uploads.release();
    const wire = this.ctx.net.stop(job.flow);
    const size = job.total - job.offset;
    const chunks = Math.min(
      chunksOf(size),
      Math.ceil(wire / (MAX_CHUNK_BYTES + DATA_HEADER_BYTES)),
    );
    this.countUpload(Math.min(size, chunks * MAX_CHUNK_BYTES), chunks);
  }

  private stopServing(): void {
    this.host.uploads.queued -= this.queue.length;
    for (const j of this.queue) this.host.uploads.queuedBytes -= j.size;
    this.queue = [];
    if (this.gateWaiting) this.host.uploads.forget(this.wake);
    this.gateWaiting = false;
    this.stopCurrent();
  }

  private countUpload(payload: number, chunks: number): void {
    if (payload <= 0) return;
    this.bytesSent += payload;
    this.ctx.wire.payloadBytes += payload;
    this.ctx.wire.headerBytes += chunks * DATA_HEADER_BYTES;
    this.host.onUpload(payload);
    this.ctx.onPayload?.(this.host.id, this.id, payload);
  }
}
