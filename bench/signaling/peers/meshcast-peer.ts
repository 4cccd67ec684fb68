import type { JoinAck, RelayedSignal, SignalingErrorInfo } from '@meshcast/client/signaling';
import WebSocket from 'ws';
import { addNeighbour, type BenchPeer, type PeerOptions, type RelayPayload } from './bench-peer.js';

/**
 * A meshcast viewer as the load generator sees it: socket.io's wire protocol (engine.io v4
 * frames over one WebSocket, socket.io v5 packets) spoken directly over `ws`, so that the
 * generator spends per message what the tracker's generator spends (`ws` plus JSON), not
 * socket.io-client's reconnection and buffering machinery. The server cannot tell the
 * difference; `--meshcast-client socket.io-client` runs the official client instead.
 */
export class MeshcastPeer implements BenchPeer {
  id: string | undefined;
  readonly neighbours: string[] = [];
  joined = false;
  private ws: WebSocket | undefined;
  private nextAckId = 0;
  private readonly acks = new Map<number, (result: unknown) => void>();
  private readonly swarm: string;
  private onConnect: (() => void) | undefined;
  private onFail: ((err: Error) => void) | undefined;

  constructor(private readonly options: PeerOptions) {
    this.swarm = `demo/r${options.swarm}`;
  }

  join(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onFail = reject;
      this.onConnect = () => {
        this.emit('join', { channel: 'demo', rendition: `r${this.options.swarm}` }, (result) => {
          const ack = result as JoinAck;
          if (!ack.ok) {
            reject(new Error(`join refused: ${ack.error.message}`));
            return;
          }
          this.id = ack.peerId;
          this.joined = true;
          for (const n of ack.neighbours.slice(0, this.options.offers)) {
            addNeighbour(this.neighbours, n, this.options.maxNeighbours);
            this.send(n, { kind: 'offer', sent: performance.now(), sdp: this.options.sdp });
          }
          resolve();
        });
      };
      const url = `ws://127.0.0.1:${this.options.port}/socket.io/?EIO=4&transport=websocket`;
      // A browser on a page of the server itself would send this Origin.
      const origin = `http://127.0.0.1:${this.options.port}`;
      const ws = new WebSocket(url, { perMessageDeflate: false, origin });
      this.ws = ws;
      ws.on('message', (data: Buffer) => {
        this.onFrame(data.toString());
      });
      ws.on('error', (err) => this.onFail?.(err));
      ws.on('close', () => {
        this.joined = false;
        this.onFail?.(new Error('connection closed'));
      });
    });
  }

  send(to: string, payload: RelayPayload): void {
    this.emit('signal', { swarm: this.swarm, to, data: payload });
  }

  async leave(): Promise<void> {
    if (this.joined) {
      await new Promise<void>((resolve) => {
        this.emit('leave', { swarm: this.swarm }, () => {
          resolve();
        });
      });
    }
    this.close();
  }

  close(): void {
    this.joined = false;
    this.onFail = undefined;
    this.ws?.terminate();
  }

  private emit(event: string, payload: object, ack?: (result: unknown) => void): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    let id = '';
    if (ack) {
      const n = this.nextAckId++;
      this.acks.set(n, ack);
      id = String(n);
    }
    this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
  }

  /** One engine.io frame: 0 open, 2 ping, 4 message carrying a socket.io packet. */
  private onFrame(frame: string): void {
    const engineType = frame[0];
    if (engineType === '2') {
      this.ws?.send('3');
    } else if (engineType === '0') {
      this.ws?.send('40');
    } else if (engineType === '4') {
      this.onPacket(frame.slice(1));
    }
  }

  /** One socket.io packet of the main namespace: 0 connect, 2 event, 3 ack, 4 connect error. */
  private onPacket(packet: string): void {
    const type = packet[0];
    if (type === '0') {
      this.onConnect?.();
      this.onConnect = undefined;
      return;
    }
    if (type === '4') {
      this.onFail?.(new Error(`connect refused: ${packet.slice(1)}`));
      return;
    }
    let i = 1;
    while (i < packet.length && packet.charCodeAt(i) >= 48 && packet.charCodeAt(i) <= 57) i++;
    const ackId = i > 1 ? Number(packet.slice(1, i)) : undefined;
    const args = JSON.parse(packet.slice(i)) as unknown[];
    if (type === '3' && ackId !== undefined) {
      const ack = this.acks.get(ackId);
      this.acks.delete(ackId);
      ack?.(args[0]);
    } else if (type === '2') {
      if (args[0] === 'signal') {
        const message = args[1] as RelayedSignal;
        this.options.handlers.relay(this, message.from, message.data as unknown as RelayPayload);
      } else if (args[0] === 'error') {
        this.options.handlers.serverError(this, (args[1] as SignalingErrorInfo).message);
      }
    }
  }
}
