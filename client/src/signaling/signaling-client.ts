import { Emitter } from '../core/emitter.js';
import {
  CHANNEL_ID_PATTERN,
  PEER_WIRE_VERSION,
  RENDITION_PATTERN,
  swarmId,
  type ChannelDisabledMessage,
  type SegmentHashesMessage,
  type QoeReport,
  type IceConfig,
  type PeerId,
  type RelayedSignal,
  type SignalData,
  type SwarmId,
} from './protocol.js';
import {
  parseAck,
  parseErrorInfo,
  parseIceConfig,
  parsePeerIds,
  parseRelayedSignal,
} from './response-guards.js';
import { parseSegmentHashes } from './segment-hashes-guard.js';
import {
  CLASSIC_SIGNALING_TRANSPORTS,
  DEFAULT_SIGNALING_TRANSPORTS,
  mergeSignalingClientConfig,
  type SignalingClientConfig,
  type SignalingSocket,
} from './signaling-client-config.js';
import { SignalingError } from './signaling-error.js';

/** A successful join. */
export interface JoinResult {
  /** This viewer's id in the swarm; changes after every reconnect. */
  peerId: PeerId;
  swarm: SwarmId;
  /** Members to connect to (this viewer initiates). */
  neighbours: PeerId[];
  ice: IceConfig;
}

/** What became of one swarm when the client re-joined it after a reconnect. */
export type RejoinOutcome =
  | { swarm: SwarmId; ok: true; result: JoinResult }
  | { swarm: SwarmId; ok: false; error: SignalingError };

export interface SignalingClientEvents {
  /** Signal data from a member of a joined swarm. */
  signal: (message: RelayedSignal) => void;
  /** The server refused something, or sent something malformed. */
  error: (error: SignalingError) => void;
  connect: () => void;
  disconnect: (reason: string) => void;
  /** Connected again and re-joined the swarms it was in (with new peer ids and neighbours). */
  reconnect: (outcomes: RejoinOutcome[]) => void;
  /** The operator disabled or deleted the channel (or switched its P2P off). */
  channelDisabled: (message: ChannelDisabledMessage) => void;
  /** Segment hashes of a swarm (on join: the window, maybe empty; then each new one). */
  segmentHashes: (message: SegmentHashesMessage) => void;
}

type AckCallback = (err: Error | null, ack: unknown) => void;

/**
 * The viewer's side of signaling: a socket.io connection that joins swarms, asks for
 * neighbours and relays simple-peer signal data. Runs in browsers and in Node.
 *
 * @example
 * const signaling = new SignalingClient({ url: 'http://127.0.0.1:8080' });
 * const { neighbours, ice } = await signaling.join('demo', '360p');
 * signaling.on('signal', ({ from, data }) => peers.get(from)?.signal(data));
 */
export class SignalingClient extends Emitter<SignalingClientEvents> {
  readonly config: SignalingClientConfig;
  private readonly socket: SignalingSocket;
  /** Swarms joined (and not left): re-joined after a reconnect. */
  private readonly joined = new Map<SwarmId, { channel: string; rendition: string }>();
  private readonly pending = new Set<(err: SignalingError) => void>();
  private retryTimer: unknown;
  private everConnected = false;
  private generation = 0;
  private destroyed = false;

  constructor(config: Partial<SignalingClientConfig> = {}) {
    super();
    this.config = mergeSignalingClientConfig(config);
    const { url, path, socketOptions } = this.config;
    // forceNew: two clients to one server must not share a multiplexed socket.
    this.socket = this.config.io(url, {
      path,
      forceNew: true,
      ...DEFAULT_SIGNALING_TRANSPORTS,
      ...socketOptions,
    });
    const ownTransports = socketOptions.transports === undefined;
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (err) => {
      // Timed out: maybe a WebSocket that never answers (a refused one already fell back).
      if (ownTransports && err.message === 'timeout') {
        this.socket.io.opts.transports = [...CLASSIC_SIGNALING_TRANSPORTS];
      }
      this.emit('error', new SignalingError('disconnected', `cannot connect: ${err.message}`));
    });
    this.socket.on('error', (info: unknown) => {
      const e = parseErrorInfo(info);
      this.emit(
        'error',
        e
          ? new SignalingError(e.code, e.message, e.event)
          : new SignalingError('bad-response', 'malformed error event from the server'),
      );
    });
    this.socket.on('channel-disabled', (message: unknown) => {
      const m = message as Partial<ChannelDisabledMessage> | null;
      const reasons = ['disabled', 'deleted', 'p2p-disabled'];
      if (
        typeof m?.channel === 'string' &&
        typeof m.reason === 'string' &&
        reasons.includes(m.reason)
      ) {
        this.emit('channelDisabled', { channel: m.channel, reason: m.reason });
      } else {
        this.emit('error', new SignalingError('bad-response', 'malformed channel-disabled event'));
      }
    });
    // Not filtered by `joined`: the server sends a swarm's window just before the join answer.
    this.socket.on('segment-hashes', (message: unknown) => {
      const m = parseSegmentHashes(message);
      if (m) this.emit('segmentHashes', m);
      else this.emit('error', new SignalingError('bad-response', 'malformed segment-hashes'));
    });
    this.socket.on('signal', (message: unknown) => {
      const m = parseRelayedSignal(message);
      if (!m) {
        this.emit('error', new SignalingError('bad-response', 'malformed signal', 'signal'));
      } else if (this.joined.has(m.swarm)) {
        this.emit('signal', m);
      }
    });
  }

  /** Whether the socket is connected now. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /** This connection's peer id (its socket id) while connected. */
  get peerId(): PeerId | undefined {
    return this.socket.id;
  }

  /** Swarms joined and not left. */
  get swarms(): SwarmId[] {
    return [...this.joined.keys()];
  }

  /** Joins the swarm of a channel's rendition; rejects with a {@link SignalingError}. */
  async join(channel: string, rendition: string): Promise<JoinResult> {
    if (!CHANNEL_ID_PATTERN.test(channel) || !RENDITION_PATTERN.test(rendition)) {
      throw new SignalingError('bad-request', 'invalid channel id or rendition name', 'join');
    }
    const result = await this.joinOnce(channel, rendition);
    this.joined.set(result.swarm, { channel, rendition });
    return result;
  }

  /** Asks for more neighbours, none of `exclude`; rejects with a {@link SignalingError}. */
  async more(swarm: SwarmId, exclude: readonly PeerId[] = []): Promise<PeerId[]> {
    const body = await this.request('more', (cb) =>
      this.socket
        .timeout(this.config.requestTimeoutMs)
        .emit('more', { swarm, exclude: [...exclude] }, cb),
    );
    const neighbours = parsePeerIds(body.neighbours);
    if (!neighbours) throw new SignalingError('bad-response', 'malformed neighbours', 'more');
    return neighbours;
  }

  /** Sends signal data to a member of the swarm; false (dropped) while disconnected. */
  signal(swarm: SwarmId, to: PeerId, data: SignalData): boolean {
    // Peer ids die with the connection: a signal buffered across a reconnect is useless.
    if (this.destroyed || !this.socket.connected) return false;
    this.socket.emit('signal', { swarm, to, data });
    return true;
  }

  /** Reports a neighbour that sent a segment failing its hash; false (dropped) while disconnected. */
  reportPeer(swarm: SwarmId, peer: PeerId, seq: number): boolean {
    if (this.destroyed || !this.socket.connected) return false;
    this.socket.emit('report-peer', { swarm, peer, seq });
    return true;
  }

  /** Sends a QoE report; false (dropped) while disconnected. */
  report(report: QoeReport): boolean {
    if (this.destroyed || !this.socket.connected) return false;
    this.socket.emit('report', report);
    return true;
  }

  /** Leaves a swarm (no longer re-joined); resolves once the server confirmed or is gone. */
  async leave(swarm: SwarmId): Promise<void> {
    this.joined.delete(swarm);
    if (this.destroyed || !this.socket.connected) return;
    await this.request('leave', (cb) =>
      this.socket.timeout(this.config.requestTimeoutMs).emit('leave', { swarm }, cb),
    );
  }

  /** Closes the connection, fails pending requests, drops listeners. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.config.timers.clearTimeout(this.retryTimer);
    const error = new SignalingError('destroyed', 'signaling client destroyed');
    for (const fail of [...this.pending]) fail(error);
    this.joined.clear();
    this.socket.off();
    this.socket.disconnect();
    this.removeAllListeners();
  }

  private async joinOnce(channel: string, rendition: string): Promise<JoinResult> {
    const body = await this.request('join', (cb) =>
      this.socket
        .timeout(this.config.requestTimeoutMs)
        .emit('join', { channel, rendition, wire: PEER_WIRE_VERSION }, cb),
    );
    const neighbours = parsePeerIds(body.neighbours);
    const ice = parseIceConfig(body.ice);
    const { peerId, swarm } = body;
    if (
      !neighbours ||
      !ice ||
      typeof peerId !== 'string' ||
      swarm !== swarmId(channel, rendition) ||
      neighbours.includes(peerId)
    ) {
      throw new SignalingError('bad-response', 'malformed join answer', 'join');
    }
    return { peerId, swarm, neighbours, ice };
  }

  /** One request with an acknowledgement: the success fields, or a SignalingError. */
  private request(
    event: string,
    send: (cb: AckCallback) => void,
  ): Promise<Record<string, unknown>> {
    if (this.destroyed) {
      return Promise.reject(new SignalingError('destroyed', 'signaling client destroyed', event));
    }
    return new Promise((resolve, reject) => {
      const fail = (err: SignalingError): void => {
        this.pending.delete(fail);
        reject(err);
      };
      this.pending.add(fail);
      send((err, ack) => {
        if (!this.pending.has(fail)) return; // settled by destroy()
        this.pending.delete(fail);
        if (err) {
          const code = this.socket.connected ? 'timeout' : 'disconnected';
          reject(new SignalingError(code, `${event}: ${err.message}`, event));
          return;
        }
        const parsed = parseAck(ack);
        if (!parsed) reject(new SignalingError('bad-response', `malformed ${event} answer`, event));
        else if (!parsed.ok)
          reject(new SignalingError(parsed.error.code, parsed.error.message, event));
        else resolve(parsed.body);
      });
    });
  }

  private onConnect(): void {
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.emit('connect');
    if (reconnected) void this.rejoin(++this.generation);
  }

  private onDisconnect(reason: string): void {
    this.emit('disconnect', reason);
    // socket.io retries lost transports itself, but not a disconnect that the server chose.
    if (reason === 'io server disconnect' && !this.destroyed) {
      const base = this.config.serverDisconnectRetryMs;
      const delay = base * (0.5 + this.config.random());
      this.config.timers.clearTimeout(this.retryTimer);
      this.retryTimer = this.config.timers.setTimeout(() => {
        if (!this.destroyed) this.socket.connect();
      }, delay);
    }
  }

  private async rejoin(generation: number): Promise<void> {
    const outcomes = await Promise.all(
      [...this.joined].map(async ([swarm, { channel, rendition }]): Promise<RejoinOutcome> => {
        try {
          return { swarm, ok: true, result: await this.joinOnce(channel, rendition) };
        } catch (err) {
          const error =
            err instanceof SignalingError ? err : new SignalingError('internal', String(err));
          // A refusal is final (the channel went away); a lost connection is retried on the next one.
          const transient = ['timeout', 'disconnected', 'destroyed', 'rate-limited'];
          if (!transient.includes(error.code)) this.joined.delete(swarm);
          return { swarm, ok: false, error };
        }
      }),
    );
    if (generation === this.generation && !this.destroyed) this.emit('reconnect', outcomes);
  }
}
