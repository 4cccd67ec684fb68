import WebSocket from 'ws';
import type { BenchPeer, PeerOptions, RelayPayload } from './bench-peer.js';

/** A 20-character id: the tracker protocol's info_hash and peer_id are 20-byte strings. */
function id20(prefix: string, n: number): string {
  return prefix + String(n).padStart(20 - prefix.length, '0');
}

/** The info hash standing for swarm `i` (the meshcast swarm demo/r<i>). */
export function trackerInfoHash(swarm: number): string {
  return id20('bench-swarm-', swarm);
}

/** What the tracker sends: announce responses, and offers and answers from other peers. */
interface TrackerMessage {
  action?: string;
  'failure reason'?: string;
  interval?: number;
  offer?: RelayPayload;
  answer?: RelayPayload;
  offer_id?: string;
  peer_id?: string;
}

/**
 * A p2p-media-loader / WebTorrent viewer as bittorrent-tracker's WebSocket protocol sees it:
 * joining is an `announce` (event `started`) carrying one offer per wanted peer, which the
 * tracker forwards to random members; a point-to-point relay is an `announce` carrying
 * `answer`, `to_peer_id` and `offer_id`, which the tracker forwards to that one peer.
 */
export class TrackerPeer implements BenchPeer {
  readonly id: string;
  readonly neighbours: string[] = [];
  joined = false;
  private ws: WebSocket | undefined;
  private readonly infoHash: string;
  /** The offer id that each peer's last offer carried, for the answer. */
  private readonly offerIds = new Map<string, string>();
  private pendingResponse: (() => void) | undefined;
  private onFail: ((err: Error) => void) | undefined;

  constructor(private readonly options: PeerOptions) {
    this.id = id20('-MB0100-', options.index);
    this.infoHash = trackerInfoHash(options.swarm);
  }

  join(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onFail = reject;
      const url = `ws://127.0.0.1:${this.options.port}`;
      const ws = new WebSocket(url, { perMessageDeflate: false, origin: 'http://127.0.0.1' });
      this.ws = ws;
      ws.on('open', () => {
        this.pendingResponse = () => {
          this.joined = true;
          resolve();
        };
        const offers = Array.from({ length: this.options.offers }, (_, i) => ({
          offer: { kind: 'offer', sent: performance.now(), sdp: this.options.sdp },
          offer_id: id20(`o${i}-`, this.options.index),
        }));
        this.announce({ event: 'started', numwant: offers.length, offers });
      });
      ws.on('message', (data: Buffer) => {
        this.onMessage(JSON.parse(data.toString()) as TrackerMessage);
      });
      ws.on('error', (err) => this.onFail?.(err));
      ws.on('close', () => {
        this.joined = false;
        this.onFail?.(new Error('connection closed'));
      });
    });
  }

  send(to: string, payload: RelayPayload): void {
    const offerId = this.offerIds.get(to) ?? id20('p-', this.options.index);
    this.announce({ to_peer_id: to, answer: payload, offer_id: offerId });
  }

  async leave(): Promise<void> {
    if (this.joined) {
      await new Promise<void>((resolve) => {
        this.pendingResponse = resolve;
        this.announce({ event: 'stopped', numwant: 0 });
      });
    }
    this.close();
  }

  close(): void {
    this.joined = false;
    this.onFail = undefined;
    this.ws?.terminate();
  }

  private announce(fields: Record<string, unknown>): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(
      JSON.stringify({
        action: 'announce',
        info_hash: this.infoHash,
        peer_id: this.id,
        uploaded: 0,
        downloaded: 0,
        left: 1,
        ...fields,
      }),
    );
  }

  private onMessage(message: TrackerMessage): void {
    const failure = message['failure reason'];
    if (failure !== undefined) {
      this.options.handlers.serverError(this, failure);
      this.onFail?.(new Error(`tracker: ${failure}`));
      return;
    }
    if (message.action !== 'announce') return;
    const from = message.peer_id;
    if (message.offer && from !== undefined) {
      if (message.offer_id !== undefined) this.offerIds.set(from, message.offer_id);
      this.options.handlers.relay(this, from, message.offer);
    } else if (message.answer && from !== undefined) {
      this.options.handlers.relay(this, from, message.answer);
    } else if (message.interval !== undefined) {
      const done = this.pendingResponse;
      this.pendingResponse = undefined;
      done?.();
    }
  }
}
