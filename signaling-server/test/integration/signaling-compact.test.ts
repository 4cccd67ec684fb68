import type { EventEmitter } from 'node:events';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck, RelayedSignal } from '../../../client/src/signaling/protocol.js';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import type { SignalingSocket } from '../../src/signaling/handlers/handler.js';
import {
  startBareSignaling,
  until,
  type BareSignalingServer,
  type ClientSocket,
} from './signaling-helpers.js';

const OPEN = { ...DEMO_CHANNEL, id: 'open', name: 'Open' };
const GUARDED = {
  ...DEMO_CHANNEL,
  id: 'guarded',
  name: 'Guarded',
  allowedOrigins: ['https://a.example'],
};

type WsInternals = EventEmitter & {
  _socket: EventEmitter;
  _receiver: EventEmitter & { _mask?: unknown };
};

interface EngineInternals {
  request: unknown;
  transport: EventEmitter & { name: string; socket: WsInternals };
}

let server: BareSignalingServer;

beforeAll(async () => {
  server = await startBareSignaling([OPEN, GUARDED], {
    trustProxy: true,
    localityHeader: 'x-region',
  });
});

afterAll(async () => {
  await server.close();
});

/** A real socket.io client; `polling` starts on long polling and upgrades, as browsers do. */
async function connect(
  transports: ('polling' | 'websocket')[],
  headers: Record<string, string> = {},
): Promise<ClientSocket> {
  const socket: ClientSocket = io(server.url, {
    transports,
    forceNew: true,
    reconnection: false,
    extraHeaders: headers,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

function serverSocket(client: ClientSocket): SignalingSocket {
  const socket = server.signaling.io.of('/').sockets.get(client.id ?? '');
  if (!socket) throw new Error('no server socket');
  return socket;
}

/** The server side of a connection holds no upgrade leftovers once on WebSocket. */
function expectCompacted(socket: SignalingSocket): void {
  const conn = socket.conn as unknown as EngineInternals;
  expect(conn.request).toBeNull();
  expect(conn.transport.name).toBe('websocket');
  const ws = conn.transport.socket;
  expect(ws.listeners('error').map((l) => l.name)).not.toContain('onUpgradeError');
  // Only `ws`'s own plain listener is left on the TCP socket: no `once` wrapper.
  const close = ws._socket.rawListeners('close');
  expect(close.length).toBeGreaterThan(0);
  expect(close.filter((l) => 'listener' in l)).toEqual([]);
  // Listener tables rebuilt with a key-less prototype instead of a null one (fast layout).
  for (const emitter of [socket, conn, conn.transport, ws, ws._socket, ws._receiver]) {
    const events = (emitter as unknown as { _events: object })._events;
    expect(Object.getPrototypeOf(events)).not.toBeNull();
    expect(Object.keys(Object.getPrototypeOf(events) as object)).toEqual([]);
  }
  // They behave as before: listeners added, called once each, removed; inherited names
  // like `toString` are not taken for listeners.
  const calls: string[] = [];
  const a = (): void => void calls.push('a');
  const b = (): void => void calls.push('b');
  ws.on('probe', a);
  ws.once('probe', b);
  expect(ws.emit('probe')).toBe(true);
  expect(ws.emit('probe')).toBe(true);
  ws.off('probe', a);
  expect(ws.emit('probe')).toBe(false);
  expect(ws.emit('toString')).toBe(false);
  expect(calls).toEqual(['a', 'b', 'a']);
  expect(ws.listenerCount('message')).toBe(1);
  // The last frame's mask (a view into the TCP read that brought it) is not kept.
  expect(ws._receiver._mask).toBeUndefined();
}

describe('compacted connections', () => {
  it.each([['websocket'], ['polling', 'websocket']] as const)(
    'over %s: joins, relays a signal both ways and keeps only the headers handlers read',
    async (...transports) => {
      const headers = { origin: 'https://a.example', 'x-region': 'eu', 'x-junk': 'y'.repeat(500) };
      const a = await connect([...transports], headers);
      const b = await connect([...transports], headers);
      try {
        const ackA: JoinAck = await a.emitWithAck('join', { channel: 'guarded', rendition: 'r' });
        const ackB: JoinAck = await b.emitWithAck('join', { channel: 'guarded', rendition: 'r' });
        expect(ackA.ok && ackB.ok).toBe(true);
        if (!ackB.ok) return;
        expect(ackB.neighbours).toEqual([a.id]);

        // A signal from one to the other arrives as relayed, both ways.
        const relays = async (from: typeof a, to: typeof a, sdp: string, type: string) => {
          const data = { type, sdp };
          const arrived = new Promise<RelayedSignal>((resolve) => to.once('signal', resolve));
          from.emit('signal', { swarm: 'guarded/r', to: to.id ?? '', data });
          expect(await arrived).toEqual({ swarm: 'guarded/r', from: from.id, data });
        };
        await relays(b, a, 'v=0 b', 'offer');
        await relays(a, b, 'v=0 a', 'answer');

        const socket = serverSocket(a);
        await until(
          () => (socket.conn as unknown as EngineInternals).transport.name === 'websocket',
        );
        expectCompacted(socket);
        expect(Object.keys(socket.handshake.headers).sort()).toEqual([
          'host',
          'origin',
          'x-region',
        ]);
        expect(socket.handshake.headers.origin).toBe('https://a.example');
        expect(socket.handshake.address).toMatch(/127\.0\.0\.1/);
        expect(socket.handshake.query).toEqual({});
      } finally {
        a.disconnect();
        b.disconnect();
      }
      await until(() => server.signaling.stats().sockets === 0);
      expect(server.signaling.stats()).toEqual({ sockets: 0, swarms: 0, members: 0 });
    },
  );

  it('still refuses an origin the channel does not allow', async () => {
    const wrong = await connect(['websocket'], { origin: 'https://b.example' });
    const right = await connect(['websocket'], { origin: 'https://a.example' });
    try {
      const refused: JoinAck = await wrong.emitWithAck('join', {
        channel: 'guarded',
        rendition: 'r',
      });
      expect(refused.ok ? undefined : refused.error.code).toBe('origin-not-allowed');
      const ack: JoinAck = await right.emitWithAck('join', { channel: 'guarded', rendition: 'r' });
      expect(ack.ok).toBe(true);
    } finally {
      wrong.disconnect();
      right.disconnect();
    }
    await until(() => server.signaling.stats().sockets === 0);
  });

  it('a dropped TCP connection is still noticed (the listener left in place is the one that matters)', async () => {
    const a = await connect(['websocket']);
    await a.emitWithAck('join', { channel: 'open', rendition: 'r' });
    expect(server.signaling.stats().members).toBe(1);
    const conn = serverSocket(a).conn as unknown as EngineInternals;
    (conn.transport.socket._socket as unknown as { destroy(): void }).destroy();
    await until(() => server.signaling.stats().sockets === 0);
    expect(server.signaling.stats()).toEqual({ sockets: 0, swarms: 0, members: 0 });
    a.disconnect();
  });
});
