import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingErrorInfo } from '../../../client/src/signaling/protocol.js';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import {
  MAX_OUTGOING_BACKLOG_BYTES,
  MAX_OUTGOING_BACKLOG_PACKETS,
} from '../../src/signaling/outgoing-backlog.js';
import {
  connect,
  startBareSignaling,
  until,
  type BareSignalingServer,
} from './signaling-helpers.js';

let server: BareSignalingServer;

beforeAll(async () => {
  server = await startBareSignaling([DEMO_CHANNEL], {
    signalingRelayRate: 100_000,
    signalingRelayBurst: 100_000,
  });
});

afterAll(async () => {
  await server.close();
});

/** A viewer on a bare WebSocket (socket.io's wire protocol by hand) that can stop reading. */
async function rawViewer(url: string): Promise<{ id: string; ws: WebSocket }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const id = await new Promise<string>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (frame.startsWith('0')) ws.send('40');
      else if (frame.startsWith('40')) ws.send('421["join",{"channel":"demo","rendition":"360p"}]');
      else if (frame.startsWith('431')) {
        const [ack] = JSON.parse(frame.slice(3)) as [{ ok: boolean; peerId: string }];
        if (ack.ok) resolve(ack.peerId);
        else reject(new Error(frame));
      }
    });
  });
  return { id, ws };
}

describe('outgoing backlog', () => {
  it('refuses relays to a viewer that stopped reading, and bounds what is queued for it', async () => {
    const stuck = await rawViewer(server.url);
    // Stop reading: the kernel buffers fill, then the server's own queue would grow.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const sender = await connect(server.url);
    expect((await sender.emitWithAck('join', { channel: 'demo', rendition: '360p' })).ok).toBe(
      true,
    );
    const refused: SignalingErrorInfo[] = [];
    sender.on('error', (e) => refused.push(e));
    const sdp = 'x'.repeat(15_000);
    let sent = 0;
    while (refused.length === 0 && sent < 4000) {
      for (let i = 0; i < 50; i++) {
        sender.emit('signal', { swarm: 'demo/360p', to: stuck.id, data: { type: 'offer', sdp } });
      }
      sent += 50;
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => refused.length > 0);
    expect(refused[0]).toMatchObject({ code: 'rate-limited', event: 'signal' });
    // What the server holds for the stuck viewer stays near the bound, whatever is sent next.
    for (let i = 0; i < 200; i++) {
      sender.emit('signal', { swarm: 'demo/360p', to: stuck.id, data: { type: 'offer', sdp } });
    }
    await new Promise((r) => setTimeout(r, 300));
    const [socket] = await server.signaling.io.in(stuck.id).fetchSockets();
    const conn = (
      socket as unknown as {
        conn: { writeBuffer: unknown[]; transport: { socket: { bufferedAmount: number } } };
      }
    ).conn;
    expect(conn.transport.socket.bufferedAmount).toBeLessThan(MAX_OUTGOING_BACKLOG_BYTES + 64_000);
    expect(conn.writeBuffer.length).toBeLessThanOrEqual(MAX_OUTGOING_BACKLOG_PACKETS + 1);
    sender.disconnect();
    stuck.ws.terminate();
    await until(() => server.signaling.stats().sockets === 0);
  });
});
