import type { ArrivalSource } from '../../client/src/core/arrival.js';
import { Emitter } from '../../client/src/core/emitter.js';
import type { SessionSwarm, SessionSwarmEvents } from '../../client/src/core/rendition-session.js';
import type { SwarmConfig } from '../../client/src/core/swarm.js';
import {
  MAX_ARRIVING_ITEMS,
  MAX_HAVE_SPAN,
  deltaMessages,
  encode,
  type WireMessage,
} from '../../client/src/core/wire.js';
import type { SwarmRegistry } from '../../signaling-server/src/signaling/swarm-registry.js';
import type { FlowNode } from './flow-network.js';
import { SimPeer, type PeerHost, type SimPeerContext, type UploadGate } from './sim-peer.js';

/** The signaling server and the directory of swarms, shared by every viewer. */
export interface SimMesh extends SimPeerContext {
  registry: SwarmRegistry;
  swarmId: string;
  /** Most neighbours the server hands out per join or `more`. */
  maxNeighbours: number;
  /** Extra one-way delay through the signaling server, ms. */
  serverMs: number;
  swarms: Map<string, SimSwarm>;
  random: () => number;
}

/** What the swarm needs from its viewer. */
export interface SwarmOwner {
  readonly id: string;
  readonly node: FlowNode;
  readonly uploads: UploadGate;
  /** One-way latency of the viewer's access link, ms. */
  readonly latencyMs: number;
  provide(seq: number): Uint8Array | undefined;
  /** A segment arriving from a peer (the session's), to relay before it is complete. */
  arrival(seq: number): ArrivalSource | undefined;
  /** The seqs of the segments arriving now, announced to a new neighbour. */
  arrivingSeqs(): number[];
  /** The measured upload rate to advertise, bytes/ms (the client's Swarm `uploadRate`). */
  uploadRate(): number | undefined;
  haveMap(): number[];
  onUpload(bytes: number): void;
  /** Called before anything that makes the session run: bring its inputs up to date. */
  beforeKick(): void;
  probe(event: 'peer-request' | 'peer-done', seq: number): void;
}

/**
 * The peer set of one viewer, mirroring the client's Swarm policy on simulated links: join
 * through the signaling server (the real SwarmRegistry samples up to `maxNeighbours` random
 * members), connect to them (the joiner initiates), accept incoming connections up to
 * `maxPeers` (a full viewer ignores the offer, the initiator gives up after
 * `connectTimeoutMs`), every `upkeepMs`: a full swarm drops its partner with the fewest bytes
 * both ways once per `replaceWorstMs`, and a swarm under `minPeers` asks the server for more.
 *
 * Timing: an offer reaches the other viewer through the server (both access latencies plus
 * `serverMs` each way); the connection opens after the answer travels back and three link
 * round trips (ICE check, DTLS, SCTP).
 */
export class SimSwarm extends Emitter<SessionSwarmEvents> implements SessionSwarm {
  peerId: string | undefined;
  private readonly peers = new Map<string, SimPeer>();
  private readonly failed = new Set<string>();
  private connected: SimPeer[] | undefined;
  private lastReplaceAt: number;
  private destroyed = false;
  private readonly host: PeerHost;
  private readonly busy = new Set<SimPeer>();
  private polledAt = -1;
  private advertisedRate: number | undefined;

  constructor(
    private readonly mesh: SimMesh,
    private readonly owner: SwarmOwner,
    private readonly config: SwarmConfig,
  ) {
    super();
    this.lastReplaceAt = mesh.q.now;
    this.host = {
      id: owner.id,
      node: owner.node,
      uploads: owner.uploads,
      busy: this.busy,
      provide: (seq) => owner.provide(seq),
      arrival: (seq) => owner.arrival(seq),
      upstream: (seq) => {
        for (const p of this.busy) {
          const flow = p.inboundFlow(seq);
          if (flow) return flow;
        }
        return undefined;
      },
      onUpload: (bytes) => {
        owner.onUpload(bytes);
      },
      onHave: (peer) => {
        if (this.destroyed) return;
        owner.beforeKick();
        this.emit('have', peer);
      },
      refresh: () => {
        owner.beforeKick();
      },
      probe: (event, seq) => {
        owner.probe(event, seq);
      },
      onClosed: (peer) => {
        this.onPeerClosed(peer);
      },
    };
  }

  /** Every open connection (a cached array, rebuilt when one opens or closes). */
  connectedPeers(): SimPeer[] {
    this.connected ??= [...this.peers.values()].filter((p) => p.connected);
    return this.connected;
  }

  /** Connections open or opening. */
  get size(): number {
    return this.peers.size;
  }

  /** Polls the progress of every connection with requests in flight (once per ms). */
  pollRequests(): void {
    const now = this.mesh.q.now;
    if (this.busy.size === 0 || now === this.polledAt) return;
    this.polledAt = now;
    for (const p of [...this.busy]) p.poll();
  }

  /** Joins through the server; then upkeep runs every `upkeepMs`. */
  join(): void {
    const { mesh, owner } = this;
    mesh.q.after(2 * (owner.latencyMs + mesh.serverMs), () => {
      if (this.destroyed) return;
      const neighbours = mesh.registry.neighbours(mesh.swarmId, owner.id, mesh.maxNeighbours);
      mesh.registry.add(mesh.swarmId, owner.id);
      this.peerId = owner.id;
      for (const id of neighbours) this.connect(id, true);
      this.scheduleUpkeep();
    });
  }

  announce(added: number[], removed: number[]): void {
    this.broadcast(deltaMessages('have-delta', added, removed));
  }

  /** Mirrors Swarm.announceArriving: one encoded `arriving` message to every open neighbour. */
  announceArriving(added: number[], removed: number[]): void {
    this.broadcast(deltaMessages('arriving', added, removed));
  }

  /** Sends each message to every open neighbour, encoded once (the bytes are the same). */
  private broadcast(messages: WireMessage[]): void {
    const open = this.connectedPeers();
    if (open.length === 0) return;
    for (const m of messages) {
      const bytes = encode(m);
      for (const p of open) p.sendBytes(bytes);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of [...this.peers.values()]) p.close();
    this.peers.clear();
    this.connected = undefined;
    this.mesh.registry.remove(this.mesh.swarmId, this.owner.id);
    this.mesh.swarms.delete(this.owner.id);
    this.removeAllListeners();
  }

  private relayMs(remote: SimSwarm): number {
    return this.owner.latencyMs + remote.owner.latencyMs + 2 * this.mesh.serverMs;
  }

  private connect(remoteId: string, initiator: boolean): SimPeer | undefined {
    if (this.destroyed || remoteId === this.owner.id || this.peers.has(remoteId)) return undefined;
    if (this.peers.size >= this.config.maxPeers) return undefined;
    const remote = this.mesh.swarms.get(remoteId);
    const latency = this.owner.latencyMs + (remote?.owner.latencyMs ?? 0);
    const peer = new SimPeer(this.mesh, this.host, remoteId, latency, initiator);
    this.peers.set(remoteId, peer);
    const { q } = this.mesh;
    q.after(this.config.connectTimeoutMs, () => {
      if (!peer.open) peer.close();
    });
    if (initiator && remote) {
      q.after(this.relayMs(remote), () => {
        if (!peer.closed) remote.onOffer(this, peer);
      });
    }
    return peer;
  }

  private onOffer(from: SimSwarm, theirs: SimPeer): void {
    const fromId = from.owner.id;
    if (this.destroyed) return;
    const existing = this.peers.get(fromId);
    if (existing) {
      // Both offered at once (glare): the lower id keeps its offer, the other answers.
      if (existing.open || !existing.initiator || this.owner.id < fromId) return;
      this.peers.delete(fromId);
      existing.close();
    }
    const mine = this.connect(fromId, false);
    if (!mine) return; // full: the offer is ignored and times out on the other side
    mine.remote = theirs;
    theirs.remote = mine;
    const openAt = this.relayMs(from) + 6 * mine.latencyMs;
    this.mesh.q.after(openAt, () => {
      if (mine.closed || theirs.closed) {
        mine.close();
        theirs.close();
        return;
      }
      this.onOpen(mine);
      from.onOpen(theirs);
    });
  }

  private onOpen(peer: SimPeer): void {
    if (this.destroyed || peer.closed) return;
    peer.open = true;
    peer.opened = true;
    this.connected = undefined;
    const seqs = this.owner.haveMap().sort((a, b) => a - b);
    const newest = seqs.at(-1) ?? 0;
    peer.send({ type: 'have-map', seqs: seqs.filter((s) => s > newest - MAX_HAVE_SPAN) });
    const arriving = this.owner.arrivingSeqs().slice(0, MAX_ARRIVING_ITEMS);
    if (arriving.length > 0) peer.send({ type: 'arriving', added: arriving, removed: [] });
    if (this.advertisedRate !== undefined) peer.send(capacityMessage(this.advertisedRate));
    this.owner.beforeKick();
    this.emit('peerConnected', peer);
  }

  private onPeerClosed(peer: SimPeer): void {
    if (this.peers.get(peer.id) === peer) this.peers.delete(peer.id);
    this.connected = undefined;
    if (this.destroyed) return;
    if (!peer.opened) this.failed.add(peer.id);
    this.owner.beforeKick();
    this.emit('peerClosed', peer);
  }

  private scheduleUpkeep(): void {
    this.mesh.q.after(this.config.upkeepMs, () => {
      if (this.destroyed) return;
      this.upkeep();
      this.scheduleUpkeep();
    });
  }

  /** Mirrors Swarm.advertiseRate: to every neighbour, when it changed by more than a quarter. */
  private advertiseRate(): void {
    const rate = this.owner.uploadRate();
    const last = this.advertisedRate;
    if (rate === undefined || (last !== undefined && Math.abs(rate - last) <= last / 4)) return;
    this.advertisedRate = rate;
    const bytes = encode(capacityMessage(rate));
    for (const p of this.connectedPeers()) p.sendBytes(bytes);
  }

  private upkeep(): void {
    this.advertiseRate();
    const now = this.mesh.q.now;
    const { config, mesh } = this;
    if (this.peers.size >= config.maxPeers && now - this.lastReplaceAt >= config.replaceWorstMs) {
      this.lastReplaceAt = now;
      const worst = [...this.connectedPeers()].sort(
        (a, b) => a.bytesReceived + a.bytesSent - (b.bytesReceived + b.bytesSent),
      )[0];
      if (worst) {
        this.failed.add(worst.id);
        worst.close();
      }
    }
    if (this.peers.size >= config.minPeers) return;
    const exclude = [...this.peers.keys(), ...this.failed];
    mesh.q.after(2 * (this.owner.latencyMs + mesh.serverMs), () => {
      if (this.destroyed) return;
      const ids = mesh.registry.neighbours(
        mesh.swarmId,
        this.owner.id,
        mesh.maxNeighbours,
        exclude,
      );
      for (const id of ids) this.connect(id, true);
      if (ids.length === 0) this.failed.clear(); // give old partners another chance
    });
  }
}

/** The client's Peer.sendCapacity message for a rate in bytes/ms. */
function capacityMessage(bytesPerMs: number): { type: 'capacity'; bytesPerSec: number } {
  return { type: 'capacity', bytesPerSec: Math.min(0xffffffff, Math.round(bytesPerMs * 1000)) };
}
