import type {
  ClientToServerEvents,
  JoinAck,
  ServerToClientEvents,
} from '@meshcast/client/signaling';
import { io, type Socket } from 'socket.io-client';
import { DEFAULT_SIGNALING_TRANSPORTS } from '../../../client/src/signaling/signaling-client-config.js';
import { addNeighbour, type BenchPeer, type PeerOptions, type RelayPayload } from './bench-peer.js';

/**
 * A meshcast viewer on the official socket.io-client with the player's transports (WebSocket
 * first), no reconnection.
 */
export class SocketIoPeer implements BenchPeer {
  id: string | undefined;
  readonly neighbours: string[] = [];
  joined = false;
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  private readonly swarm: string;

  constructor(private readonly options: PeerOptions) {
    this.swarm = `demo/r${options.swarm}`;
  }

  join(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(
        `http://127.0.0.1:${this.options.port}`,
        { ...DEFAULT_SIGNALING_TRANSPORTS, forceNew: true, reconnection: false },
      );
      this.socket = socket;
      socket.on('connect_error', reject);
      socket.on('disconnect', () => {
        this.joined = false;
      });
      socket.on('signal', (message) => {
        this.options.handlers.relay(this, message.from, message.data as unknown as RelayPayload);
      });
      socket.on('error', (info) => {
        this.options.handlers.serverError(this, info.message);
      });
      socket.emit(
        'join',
        { channel: 'demo', rendition: `r${this.options.swarm}` },
        (ack: JoinAck) => {
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
        },
      );
    });
  }

  send(to: string, payload: RelayPayload): void {
    this.socket?.emit('signal', { swarm: this.swarm, to, data: { ...payload } });
  }

  async leave(): Promise<void> {
    const socket = this.socket;
    if (this.joined && socket) {
      await new Promise<void>((resolve) => {
        socket.emit('leave', { swarm: this.swarm }, () => {
          resolve();
        });
      });
    }
    this.close();
  }

  close(): void {
    this.joined = false;
    this.socket?.disconnect();
  }
}
