import type { EventQueue } from './event-queue.js';

/**
 * Timed byte flows over access links. Each node has an upload and a download capacity
 * (bytes/ms); the flows leaving a node share its upload equally and the flows entering a
 * node share its download equally (processor sharing); a flow runs at the smaller of its two
 * shares. The CDN is a source without a capacity limit. Rates change only when a flow starts
 * or ends at one of its two ends; the completion event is then moved (lazily: stale events
 * carry an old version and do nothing).
 *
 * A relayed flow (cut-through: a viewer forwards a segment while it is still receiving it) has
 * an `upstream`, the flow feeding the relay: while the upstream runs, the relayed flow runs no
 * faster than it, and since it starts later it never delivers more bytes than the upstream
 * delivered; when the upstream is stopped before its end, the relayed flow fails (stopped,
 * `onFail`), and so on down the chain.
 */
export interface FlowNode {
  /** Upload capacity, bytes/ms. */
  readonly up: number;
  /** Download capacity, bytes/ms. */
  readonly down: number;
  readonly outFlows: Set<Flow>;
  readonly inFlows: Set<Flow>;
}

export function createNode(up: number, down: number): FlowNode {
  return { up, down, outFlows: new Set(), inFlows: new Set() };
}

export interface Flow {
  /** Undefined for the CDN. */
  readonly from: FlowNode | undefined;
  readonly to: FlowNode;
  readonly bytes: number;
  /** Bytes sent up to `updatedAt`. */
  sent: number;
  /** Current rate, bytes/ms. */
  rate: number;
  updatedAt: number;
  readonly startedAt: number;
  /** Rate when the flow started, bytes/ms. */
  readonly firstRate: number;
  version: number;
  done: boolean;
  readonly onDone: () => void;
  /** The flow feeding this one through a relay (cut-through), while it runs. */
  readonly upstream: Flow | undefined;
  /** Relayed flows fed by this one. */
  readonly downstream: Set<Flow>;
  /** Called when the flow is stopped because its upstream was. */
  readonly onFail: (() => void) | undefined;
}

/** Options of a relayed flow. */
export interface RelayOptions {
  /** The flow feeding the relay; the new flow never delivers more than it. */
  upstream: Flow;
  /** The upstream was stopped before its end: the relayed flow is stopped too. */
  onFail: () => void;
}

export class FlowNetwork {
  /** Bytes moved, by flows that completed or stopped. */
  movedBytes = 0;

  constructor(private readonly q: EventQueue) {}

  /** Starts sending `bytes` from `from` (undefined = CDN) to `to`; `onDone` when all are sent. */
  start(
    from: FlowNode | undefined,
    to: FlowNode,
    bytes: number,
    onDone: () => void,
    relay?: RelayOptions,
  ): Flow {
    const now = this.q.now;
    const upstream = relay && !relay.upstream.done ? relay.upstream : undefined;
    const flow: Flow = {
      from,
      to,
      bytes,
      sent: 0,
      rate: 0,
      updatedAt: now,
      startedAt: now,
      firstRate: 0,
      version: 0,
      done: false,
      onDone,
      upstream,
      downstream: new Set(),
      onFail: relay?.onFail,
    };
    upstream?.downstream.add(flow);
    from?.outFlows.add(flow);
    to.inFlows.add(flow);
    this.touch(from, to);
    (flow as { firstRate: number }).firstRate = flow.rate;
    return flow;
  }

  /** Stops a flow before its end (and the flows it feeds: they fail); returns the bytes it sent. */
  stop(flow: Flow): number {
    if (flow.done) return flow.sent;
    this.advance(flow);
    flow.done = true;
    flow.version++;
    this.detach(flow);
    this.movedBytes += flow.sent;
    for (const d of [...flow.downstream]) {
      if (d.done) continue;
      this.stop(d);
      d.onFail?.();
    }
    flow.downstream.clear();
    return flow.sent;
  }

  /** Bytes sent so far. */
  sent(flow: Flow): number {
    if (flow.done) return flow.sent;
    return Math.min(flow.bytes, flow.sent + flow.rate * (this.q.now - flow.updatedAt));
  }

  private detach(flow: Flow): void {
    flow.from?.outFlows.delete(flow);
    flow.to.inFlows.delete(flow);
    flow.upstream?.downstream.delete(flow);
    this.touch(flow.from, flow.to);
  }

  /** Re-rates every flow at the two nodes (a new flow starts at rate 0, so it is scheduled). */
  private touch(from: FlowNode | undefined, to: FlowNode): void {
    if (from) for (const f of from.outFlows) this.rerate(f);
    for (const f of to.inFlows) if (f.from !== from || !from) this.rerate(f);
  }

  private advance(flow: Flow): void {
    const now = this.q.now;
    flow.sent = Math.min(flow.bytes, flow.sent + flow.rate * (now - flow.updatedAt));
    flow.updatedAt = now;
  }

  private rerate(flow: Flow): void {
    const up = flow.from ? flow.from.up / flow.from.outFlows.size : Infinity;
    let rate = Math.min(up, flow.to.down / flow.to.inFlows.size);
    const feed = flow.upstream;
    if (feed && !feed.done) rate = Math.min(rate, feed.rate);
    if (rate === flow.rate) return;
    this.advance(flow);
    const sooner = rate > flow.rate;
    flow.rate = rate;
    // A slower flow keeps its (now early) completion event, which reschedules when it fires.
    if (sooner) this.scheduleEnd(flow);
    for (const d of flow.downstream) this.rerate(d);
  }

  private scheduleEnd(flow: Flow): void {
    const version = ++flow.version;
    if (flow.rate <= 0) return; // rescheduled when it speeds up
    this.q.after((flow.bytes - flow.sent) / flow.rate, () => {
      if (flow.version !== version || flow.done) return;
      this.advance(flow);
      if (flow.bytes - flow.sent > 0.5) {
        this.scheduleEnd(flow);
        return;
      }
      flow.sent = flow.bytes;
      flow.done = true;
      this.detach(flow);
      this.movedBytes += flow.bytes;
      // Relayed flows run at their own shares from now on.
      const fed = [...flow.downstream];
      flow.downstream.clear();
      for (const d of fed) this.rerate(d);
      flow.onDone();
    });
  }
}
