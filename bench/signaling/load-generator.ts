import { LatencyRecorder } from './latency.js';
import {
  addNeighbour,
  type BenchPeer,
  type PeerFactory,
  type PeerHandlers,
  type RelayPayload,
} from './peers/bench-peer.js';

/** Counters of what the generator saw, reset per phase. */
export interface RelayCounters {
  /** Probes sent / delivered to their target. */
  probesSent: number;
  probesDelivered: number;
  /** Offers and answers delivered (the handshake that follows each join). */
  handshakes: number;
  /** Errors the server reported (refused relays, rate limits). */
  serverErrors: number;
}

/** Settings of the simulated viewers. */
export interface GeneratorSettings {
  port: number;
  swarms: number;
  offers: number;
  maxNeighbours: number;
  payloadBytes: number;
}

/**
 * The simulated viewers of one run against one server: creates peers, answers offers (the
 * handshake), times probes from send to delivery and keeps the counters.
 */
export class LoadGenerator {
  readonly peers: BenchPeer[] = [];
  counters: RelayCounters = LoadGenerator.zero();
  /** Probe latencies of the current phase. */
  probeLatency = new LatencyRecorder();
  /** Handshake (offer/answer) latencies of the current phase. */
  handshakeLatency = new LatencyRecorder();
  /** Called after each delivered probe (saturation keeps its window full with it). */
  onProbeDelivered: (() => void) | undefined;
  /** Peers that have neighbours to send probes to (filled by `probeSenders()`). */
  private senders: BenchPeer[] = [];
  private readonly sdp: string;
  private readonly handlers: PeerHandlers;
  private created = 0;

  constructor(
    private readonly factory: PeerFactory,
    private readonly settings: GeneratorSettings,
  ) {
    this.sdp = 'x'.repeat(settings.payloadBytes);
    this.handlers = {
      relay: (to, from, payload) => {
        this.onRelay(to, from, payload);
      },
      serverError: () => {
        this.counters.serverErrors++;
      },
    };
  }

  static zero(): RelayCounters {
    return { probesSent: 0, probesDelivered: 0, handshakes: 0, serverErrors: 0 };
  }

  /** Starts a new phase: fresh counters and recorders. */
  resetPhase(): void {
    this.counters = LoadGenerator.zero();
    this.probeLatency = new LatencyRecorder();
    this.handshakeLatency = new LatencyRecorder();
  }

  /** A new peer, assigned round-robin to a swarm (not yet joined). */
  createPeer(): BenchPeer {
    const index = this.created++;
    const peer = this.factory({
      port: this.settings.port,
      swarm: index % this.settings.swarms,
      index,
      offers: this.settings.offers,
      sdp: this.sdp,
      handlers: this.handlers,
      maxNeighbours: this.settings.maxNeighbours,
    });
    this.peers.push(peer);
    return peer;
  }

  /** Freezes the set of peers that send probes: joined ones with a neighbour. */
  probeSenders(): number {
    this.senders = this.peers.filter((p) => p.joined && p.neighbours.length > 0);
    return this.senders.length;
  }

  /** Sends one probe from a random sender to one of its neighbours. */
  sendProbe(): void {
    const from = this.senders[Math.floor(Math.random() * this.senders.length)];
    if (!from) return;
    const to = from.neighbours[Math.floor(Math.random() * from.neighbours.length)]!;
    this.counters.probesSent++;
    from.send(to, { kind: 'probe', sent: performance.now(), sdp: this.sdp });
  }

  private onRelay(to: BenchPeer, from: string, payload: RelayPayload): void {
    const ms = performance.now() - payload.sent;
    if (payload.kind === 'probe') {
      this.counters.probesDelivered++;
      this.probeLatency.add(ms);
      this.onProbeDelivered?.();
      return;
    }
    this.counters.handshakes++;
    this.handshakeLatency.add(ms);
    addNeighbour(to.neighbours, from, this.settings.maxNeighbours);
    if (payload.kind === 'offer') {
      to.send(from, { kind: 'answer', sent: performance.now(), sdp: this.sdp });
    }
  }
}
