import createDebug from 'debug';
import type { IceConfig, RelayedSignal } from '../signaling/protocol.js';
import type { JoinResult, RejoinOutcome } from '../signaling/signaling-client.js';
import { toHex } from './bytes.js';
import { Emitter } from './emitter.js';
import { Peer, type PeerConfig, type PeerOptions } from './peer.js';
import type { UploadLimiter } from './upload-limiter.js';

const debug = createDebug('meshcast:swarm');

/**
 * The key under which every signal a swarm sends carries its viewer id: random per swarm, it
 * outlives signaling reconnects (which change the peer id). simple-peer ignores the key.
 */
const SIGNAL_VIEWER_KEY = 'viewer';

/** A connection's identities: our peer id when it was made, and the remote's viewer id. */
interface Link {
  localId: string | undefined;
  remoteViewer?: string;
}

/** What a swarm needs from the signaling connection ({@link SignalingClient} provides it). */
export interface SwarmSignaling {
  /** Rejects with an error carrying a `code` when the server refuses. */
  join(channel: string, rendition: string): Promise<JoinResult>;
  more(swarm: string, exclude: string[]): Promise<string[]>;
  signal(swarm: string, to: string, data: Record<string, unknown>): unknown;
  leave(swarm: string): Promise<void>;
  on(event: 'signal', listener: (message: RelayedSignal) => void): unknown;
  on(event: 'reconnect', listener: (outcomes: RejoinOutcome[]) => void): unknown;
  off(event: 'signal', listener: (message: RelayedSignal) => void): unknown;
  off(event: 'reconnect', listener: (outcomes: RejoinOutcome[]) => void): unknown;
}

/** Settings of a {@link Swarm}. */
export interface SwarmConfig {
  /** Most peer connections (open or opening). @default 8 */
  maxPeers: number;
  /** Below this many connections the swarm asks the server for more neighbours. @default 4 */
  minPeers: number;
  /** Period of upkeep: asking for neighbours, replacing the worst partner, ms. @default 5000 */
  upkeepMs: number;
  /** A full swarm drops its worst partner (fewest bytes both ways) this often, ms. @default 30000 */
  replaceWorstMs: number;
  /** A connection that is not open after this long is dropped, ms. @default 10000 */
  connectTimeoutMs: number;
}

export const DEFAULT_SWARM_CONFIG: SwarmConfig = {
  maxPeers: 8,
  minPeers: 4,
  upkeepMs: 5000,
  replaceWorstMs: 30_000,
  connectTimeoutMs: 10_000,
};

export interface SwarmEvents {
  /** A neighbour's data channel opened. */
  peerConnected: (peer: Peer) => void;
  /** A neighbour left or failed. */
  peerClosed: (peer: Peer) => void;
  /** A neighbour's buffer map changed. */
  have: (peer: Peer) => void;
  /** The swarm could not be joined (channel unknown, disabled, P2P off...). */
  joinFailed: (code: string, message: string) => void;
  /** Joined (again, after a reconnect): our id in the swarm. */
  joined: (peerId: string) => void;
}

export interface SwarmOptions {
  channel: string;
  rendition: string;
  signaling: SwarmSignaling;
  config?: Partial<SwarmConfig>;
  peerConfig?: Partial<PeerConfig>;
  /** The WebRTC implementation for Node. @default the browser's */
  wrtc?: PeerOptions['wrtc'];
  /** Bytes we hold, to serve neighbours. */
  provide: (seq: number) => Uint8Array | undefined;
  /** Our current buffer map, sent to each neighbour on connect. */
  haveMap: () => number[];
  /** Segments we are receiving, to relay before they complete (cut-through). @default none */
  arriving?: PeerOptions['arriving'];
  /** The seqs of those segments, announced to each neighbour on connect. @default none */
  arrivingSeqs?: () => number[];
  /**
   * Our measured upload rate, bytes/ms, advertised on connect and when it changes by more than
   * a quarter (checked every upkeep). @default none
   */
  uploadRate?: () => number | undefined;
  /** Counted when bytes go to a neighbour. */
  onUpload?: (bytes: number) => void;
  /** The viewer's upload slots and cap, shared by all its connections. @default none */
  upload?: UploadLimiter;
  /**
   * Never serve: announce nothing (so no neighbour wastes a request on us) and answer any
   * request `absent`; segments are still taken from neighbours. @default false
   */
  downloadOnly?: boolean;
}

/**
 * The peer set of one swarm (channel + rendition): joins through signaling, connects to the
 * neighbours it is given (the joiner initiates), accepts connections from others up to
 * `maxPeers`, keeps at least `minPeers` by asking for more, and now and then replaces the
 * partner that exchanged the fewest bytes.
 */
export class Swarm extends Emitter<SwarmEvents> {
  readonly channel: string;
  readonly rendition: string;
  readonly id: string;
  private readonly config: SwarmConfig;
  private readonly peers = new Map<string, Peer>();
  private readonly failed = new Set<string>();
  /**
   * Peer ids of neighbours we are linked to under another id (after a signaling reconnect),
   * with their viewer id: left out of `more` answers while that link lasts.
   */
  private readonly aliases = new Map<string, string>();
  /** Peers banned for this session (corrupt segments, malformed or flooding messages). */
  private readonly banned = new Set<string>();
  /** Remote ids we made the offer to (for glare resolution). */
  private readonly initiated = new Set<string>();
  private readonly links = new WeakMap<Peer, Link>();
  /**
   * 128 random bits in hex, sent with every signal, so that a neighbour knows us under a new
   * peer id.
   */
  private readonly viewerId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  private readonly onSignal = (m: RelayedSignal): void => {
    this.handleSignal(m);
  };
  private readonly onReconnect = (outcomes: RejoinOutcome[]): void => {
    const mine = outcomes.find((o) => o.swarm === this.id);
    if (mine?.ok) this.onJoined(mine.result.peerId, mine.result.ice, mine.result.neighbours);
  };
  private ice: IceConfig = { iceServers: [], candidateFilter: 'none' };
  private selfId: string | undefined;
  private upkeepTimer: ReturnType<typeof setInterval> | undefined;
  private lastReplaceAt = Date.now();
  private advertisedRate: number | undefined;
  private destroyed = false;

  constructor(private readonly options: SwarmOptions) {
    super();
    this.channel = options.channel;
    this.rendition = options.rendition;
    this.id = `${options.channel}/${options.rendition}`;
    this.config = { ...DEFAULT_SWARM_CONFIG, ...options.config };
    if (!(this.config.maxPeers >= 1 && this.config.minPeers <= this.config.maxPeers)) {
      throw new RangeError('swarm config: need 1 <= maxPeers and minPeers <= maxPeers');
    }
    options.signaling.on('signal', this.onSignal);
    options.signaling.on('reconnect', this.onReconnect);
  }

  /** Our peer id in the swarm, once joined. */
  get peerId(): string | undefined {
    return this.selfId;
  }

  /** Neighbours whose data channel is open. */
  connectedPeers(): Peer[] {
    return [...this.peers.values()].filter((p) => p.connected);
  }

  get size(): number {
    return this.peers.size;
  }

  /** Connections still opening (signalling, ICE). */
  connectingCount(): number {
    return this.peers.size - this.connectedPeers().length;
  }

  /** Joins the swarm and connects to the neighbours the server gives. */
  async start(): Promise<void> {
    if (this.destroyed) return;
    let joined: JoinResult;
    try {
      joined = await this.options.signaling.join(this.channel, this.rendition);
    } catch (err) {
      if (this.isDestroyed()) return;
      const code = (err as { code?: unknown }).code;
      debug('join %s failed: %s', this.id, String(err));
      this.emit('joinFailed', typeof code === 'string' ? code : 'error', (err as Error).message);
      return;
    }
    if (this.isDestroyed()) {
      // Destroyed while joining: leave again.
      this.options.signaling.leave(this.id).catch(() => undefined);
      return;
    }
    this.onJoined(joined.peerId, joined.ice, joined.neighbours);
    this.upkeepTimer ??= setInterval(() => {
      void this.upkeep();
    }, this.config.upkeepMs);
  }

  /** After a signaling reconnect: our id changed; old connections stay if they are open. */
  onJoined(peerId: string, ice: IceConfig, neighbours: string[]): void {
    debug('%s joined as %s, neighbours %o', this.id, peerId, neighbours);
    this.selfId = peerId;
    this.ice = ice;
    this.emit('joined', peerId);
    for (const id of neighbours) this.connect(id, true);
  }

  /** Disconnects `peerId` and never connects to it again in this swarm (it lied). */
  ban(peerId: string): void {
    this.banned.add(peerId);
    this.peers.get(peerId)?.destroy();
  }

  /** Sends a buffer-map change to every open neighbour. */
  announce(added: number[], removed: number[]): void {
    if (this.options.downloadOnly) return;
    for (const p of this.connectedPeers()) p.sendHaveDelta(added, removed);
  }

  /** Tells every open neighbour which segments started or stopped arriving here. */
  announceArriving(added: number[], removed: number[]): void {
    if (this.options.downloadOnly) return;
    for (const p of this.connectedPeers()) p.sendArriving(added, removed);
  }

  private connect(remoteId: string, initiator: boolean): Peer | undefined {
    if (this.destroyed || remoteId === this.selfId || this.peers.has(remoteId)) return undefined;
    if (this.banned.has(remoteId)) return undefined;
    if (this.peers.size >= this.config.maxPeers) return undefined;
    const peer = new Peer({
      id: remoteId,
      initiator,
      config: { connectTimeoutMs: this.config.connectTimeoutMs, ...this.options.peerConfig },
      iceServers: this.ice.iceServers,
      candidateFilter: this.ice.candidateFilter,
      ...(this.options.wrtc && { wrtc: this.options.wrtc }),
      provide: this.options.downloadOnly ? () => undefined : this.options.provide,
      ...(this.options.upload && { upload: this.options.upload }),
      ...(this.options.arriving &&
        !this.options.downloadOnly && { arriving: this.options.arriving }),
    });
    this.peers.set(remoteId, peer);
    this.links.set(peer, { localId: this.selfId });
    if (initiator) this.initiated.add(remoteId);
    else this.initiated.delete(remoteId);
    peer.on('signal', (data) => {
      this.options.signaling.signal(this.id, remoteId, {
        ...(data as Record<string, unknown>),
        [SIGNAL_VIEWER_KEY]: this.viewerId,
      });
    });
    let opened = false;
    peer.on('connect', () => {
      opened = true;
      debug('%s connected to %s', this.id, remoteId);
      peer.sendHaveMap(this.options.downloadOnly ? [] : this.options.haveMap());
      const arriving = this.options.downloadOnly ? [] : (this.options.arrivingSeqs?.() ?? []);
      if (arriving.length > 0) peer.sendArriving(arriving, []);
      if (this.advertisedRate !== undefined) peer.sendCapacity(this.advertisedRate);
      this.emit('peerConnected', peer);
    });
    peer.on('have', () => {
      this.emit('have', peer);
    });
    peer.on('uploaded', (bytes) => {
      this.options.onUpload?.(bytes);
    });
    peer.on('error', (err) => {
      debug('%s peer %s error: %s', this.id, remoteId, err.message);
    });
    peer.on('protocolError', (err) => {
      // Malformed or flooding: not asked again, and its offers are refused, while its id lives.
      debug('%s peer %s protocol error: %s', this.id, remoteId, err.message);
      this.banned.add(remoteId);
    });
    peer.on('close', () => {
      if (this.peers.get(remoteId) === peer) {
        this.peers.delete(remoteId);
        this.initiated.delete(remoteId);
      }
      if (!opened) this.failed.add(remoteId);
      this.emit('peerClosed', peer);
    });
    return peer;
  }

  private handleSignal(m: RelayedSignal): void {
    if (m.swarm !== this.id || this.destroyed) return;
    const { [SIGNAL_VIEWER_KEY]: viewer, ...data } = m.data;
    const remoteViewer = typeof viewer === 'string' && viewer.length <= 64 ? viewer : undefined;
    debug('%s signal %s from %s', this.id, String(data.type), m.from);
    let peer = this.peers.get(m.from);
    if (Object.keys(data).length === 0) {
      // Only a viewer id: the neighbour is linked to us already under another id, and ignores
      // our attempt to reach it under this one. Ours gives up now, not at its connect timeout.
      const linked = remoteViewer !== undefined && this.linkTo(remoteViewer, peer)?.connected;
      if (peer && !peer.connected && linked) {
        debug('%s: %s is linked to us under another id; our attempt gives up', this.id, m.from);
        this.dropOpening(m.from, peer);
        this.aliases.set(m.from, remoteViewer);
      }
      return;
    }
    if (peer && this.links.get(peer)?.localId !== this.selfId) {
      // The signal is for our current peer id; this connection was made under an earlier one
      // (before a signaling reconnect), so the remote is starting a second connection to us.
      // Fed into the open one, its offer and candidates would break it: it stays as it is.
      if (peer.connected) {
        debug('%s keeps its connection to %s from before its id changed', this.id, m.from);
        this.answerAlreadyLinked(m.from, data);
        return;
      }
      // Still opening: its signals went to our old id and will not come. The new attempt wins.
      this.dropOpening(m.from, peer);
      peer = undefined;
    }
    if (remoteViewer !== undefined) {
      // A neighbour we know under the id it had before a signaling reconnect.
      const same = this.linkTo(remoteViewer, peer);
      if (same?.connected) {
        debug('%s: %s is %s under a new id, already connected', this.id, m.from, same.id);
        // Both of us may have offered to the other's new id at once: ours gives up too.
        if (peer && !peer.connected) this.dropOpening(m.from, peer);
        this.aliases.set(m.from, remoteViewer);
        this.answerAlreadyLinked(m.from, data);
        return;
      }
      if (same) {
        // Still opening under its old id, which can no longer be signalled: the new one wins.
        this.dropOpening(same.id, same);
      }
    }
    if (peer && !peer.connected && this.initiated.has(m.from) && data.type === 'offer') {
      // Both sides offered at once (glare): the lower id keeps its offer, the other answers.
      if ((this.selfId ?? '') < m.from) return;
      this.dropOpening(m.from, peer);
      peer = undefined;
    }
    peer ??= this.connect(m.from, false);
    if (!peer) return;
    const link = this.links.get(peer);
    if (link && remoteViewer !== undefined) link.remoteViewer ??= remoteViewer;
    peer.signal(data);
  }

  /** Our connection (open or opening) to the viewer `viewer`, other than `except`. */
  private linkTo(viewer: string, except: Peer | undefined): Peer | undefined {
    for (const p of this.peers.values()) {
      if (p !== except && this.links.get(p)?.remoteViewer === viewer) return p;
    }
    return undefined;
  }

  /**
   * Tells a neighbour whose new attempt we ignore (we are linked to it under another id) to
   * drop it: a signal that carries only our viewer id, once per offer or answer.
   */
  private answerAlreadyLinked(remoteId: string, data: Record<string, unknown>): void {
    if (data.type !== 'offer' && data.type !== 'answer') return;
    this.options.signaling.signal(this.id, remoteId, { [SIGNAL_VIEWER_KEY]: this.viewerId });
  }

  /** Drops a connection that is still opening, before a new attempt to the same viewer. */
  private dropOpening(remoteId: string, peer: Peer): void {
    this.peers.delete(remoteId);
    this.initiated.delete(remoteId);
    peer.destroy();
  }

  /** Advertises our upload rate to every neighbour when it changed by more than a quarter. */
  private advertiseRate(): void {
    const rate = this.options.downloadOnly ? undefined : this.options.uploadRate?.();
    const last = this.advertisedRate;
    if (rate === undefined || (last !== undefined && Math.abs(rate - last) <= last / 4)) return;
    this.advertisedRate = rate;
    for (const p of this.connectedPeers()) p.sendCapacity(rate);
  }

  private async upkeep(): Promise<void> {
    if (this.destroyed || this.selfId === undefined) return;
    this.advertiseRate();
    const now = Date.now();
    if (
      this.peers.size >= this.config.maxPeers &&
      now - this.lastReplaceAt >= this.config.replaceWorstMs
    ) {
      this.lastReplaceAt = now;
      const worst = this.connectedPeers().sort(
        (a, b) => a.bytesReceived + a.bytesSent - (b.bytesReceived + b.bytesSent),
      )[0];
      if (worst) {
        debug('%s replaces its worst partner %s', this.id, worst.id);
        this.failed.add(worst.id);
        worst.destroy();
      }
    }
    if (this.peers.size >= this.config.minPeers) return;
    const exclude = [...this.peers.keys(), ...this.failed, ...this.banned, ...this.liveAliases()];
    let neighbours: string[];
    try {
      neighbours = await this.options.signaling.more(this.id, exclude);
    } catch (err) {
      debug('%s more failed: %s', this.id, String(err));
      return;
    }
    // Destroyed while waiting for the server?
    if (this.isDestroyed()) return;
    for (const id of neighbours) this.connect(id, true);
    if (neighbours.length === 0) this.failed.clear(); // give old partners another chance
  }

  /** The aliases whose neighbour is still linked to us under another id; forgets the rest. */
  private liveAliases(): string[] {
    const linked = new Set<string>();
    for (const p of this.connectedPeers()) {
      const viewer = this.links.get(p)?.remoteViewer;
      if (viewer !== undefined) linked.add(viewer);
    }
    for (const [id, viewer] of this.aliases) if (!linked.has(viewer)) this.aliases.delete(id);
    return [...this.aliases.keys()];
  }

  private isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Leaves the swarm and closes every connection; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.upkeepTimer);
    this.options.signaling.off('signal', this.onSignal);
    this.options.signaling.off('reconnect', this.onReconnect);
    for (const p of this.peers.values()) p.destroy();
    this.peers.clear();
    if (this.selfId !== undefined) {
      this.options.signaling.leave(this.id).catch((err: unknown) => {
        debug('%s leave failed: %s', this.id, String(err));
      });
    }
    this.removeAllListeners();
  }
}
