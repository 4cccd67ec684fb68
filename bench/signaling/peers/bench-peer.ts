/**
 * What the load generator drives: one simulated viewer connected to a signaling server. The
 * same interface over meshcast's socket.io protocol and over bittorrent-tracker's WebSocket
 * protocol, so both servers get the same load shape.
 */

/** What the generator relays between peers; `sent` is the sender's performance.now(). */
export interface RelayPayload {
  /** offer/answer: the connection handshake (ramp); probe: a timed relay (steady, saturation). */
  kind: 'offer' | 'answer' | 'probe';
  sent: number;
  /** Filler standing in for SDP, the same size for both servers. */
  sdp: string;
}

/** Callbacks from a peer to the generator. */
export interface PeerHandlers {
  /** A relayed message arrived from `from`. */
  relay(to: BenchPeer, from: string, payload: RelayPayload): void;
  /** The server reported an error (refused relay, rate limit, bad request). */
  serverError(peer: BenchPeer, message: string): void;
}

export interface BenchPeer {
  /** The id the server knows this peer by (defined once joined). */
  readonly id: string | undefined;
  /** Peers this one may signal to: the join's neighbours and everyone it shook hands with. */
  readonly neighbours: string[];
  /** Connected and joined. */
  readonly joined: boolean;
  /**
   * Connects and joins the swarm; resolves when the server answers the join (meshcast's
   * acknowledgement, the tracker's announce response). Offers to neighbours go out with it.
   */
  join(): Promise<void>;
  /** Relays `payload` to neighbour `to` through the server (fire and forget). */
  send(to: string, payload: RelayPayload): void;
  /** Leaves the swarm (resolves on the server's answer), then closes the connection. */
  leave(): Promise<void>;
  /** Closes the connection at once. */
  close(): void;
}

/** Options shared by both protocols. */
export interface PeerOptions {
  port: number;
  /** Swarm index (rendition r<i> / info hash of swarm i). */
  swarm: number;
  /** Peer number, unique in the run. */
  index: number;
  /** Offers sent on join (meshcast: at most this many neighbours; tracker: offers, numwant). */
  offers: number;
  /** Filler SDP of the offers and answers. */
  sdp: string;
  handlers: PeerHandlers;
  /** Most neighbours remembered per peer. */
  maxNeighbours: number;
}

export type PeerFactory = (options: PeerOptions) => BenchPeer;

/** Adds `id` to `list` unless present or full. */
export function addNeighbour(list: string[], id: string, max: number): void {
  if (list.length < max && !list.includes(id)) list.push(id);
}

/** Rejects after `ms` with `what` in the message; clears the timer when `promise` settles. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
