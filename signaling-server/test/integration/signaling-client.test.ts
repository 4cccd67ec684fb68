import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RelayedSignal } from '../../../client/src/signaling/protocol.js';
import {
  SignalingClient,
  type RejoinOutcome,
} from '../../../client/src/signaling/signaling-client.js';
import type { SignalingClientConfig } from '../../../client/src/signaling/signaling-client-config.js';
import { SignalingError } from '../../../client/src/signaling/signaling-error.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';
import { until } from './signaling-helpers.js';

let server: MeshcastServer;
const clients: SignalingClient[] = [];

function newClient(config: Partial<SignalingClientConfig> = {}): SignalingClient {
  const c = new SignalingClient({
    url: server.url,
    requestTimeoutMs: 5000,
    serverDisconnectRetryMs: 50,
    socketOptions: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 },
    ...config,
  });
  clients.push(c);
  return c;
}

function once<T>(client: SignalingClient, event: 'reconnect' | 'signal' | 'error'): Promise<T> {
  return new Promise((resolve) => {
    client.once(event, ((value: T) => {
      resolve(value);
    }) as never);
  });
}

beforeAll(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await until(() => server.signaling.stats().sockets === 0);
});

afterAll(() => server.close());

describe('SignalingClient', () => {
  it('joins, gets neighbours, relays signals, asks for more and leaves', async () => {
    const a = newClient();
    const b = newClient();
    const ja = await a.join('demo', '360p');
    expect(ja.neighbours).toEqual([]);
    expect(ja.peerId).toBe(a.peerId);
    expect(ja.ice).toEqual({ iceServers: [], candidateFilter: 'none' });
    const jb = await b.join('demo', '360p');
    expect(jb.neighbours).toEqual([ja.peerId]);

    const got = once<RelayedSignal>(a, 'signal');
    expect(b.signal(jb.swarm, ja.peerId, { type: 'offer', sdp: 'v=0' })).toBe(true);
    expect(await got).toEqual({
      swarm: 'demo/360p',
      from: jb.peerId,
      data: { type: 'offer', sdp: 'v=0' },
    });

    expect(await b.more('demo/360p', [ja.peerId])).toEqual([]);
    expect(await b.more('demo/360p')).toEqual([ja.peerId]);

    await b.leave('demo/360p');
    expect(b.swarms).toEqual([]);
    expect(server.signaling.stats()).toMatchObject({ swarms: 1, members: 1 });
    await expect(b.more('demo/360p')).rejects.toMatchObject({ code: 'not-in-swarm' });
  });

  it('rejects refused joins with a typed error', async () => {
    const c = newClient();
    const unknown = await c.join('nope', '360p').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(SignalingError);
    expect(unknown).toMatchObject({ type: 'signaling', code: 'unknown-channel', event: 'join' });
    await expect(c.join('Not A Slug', '360p')).rejects.toMatchObject({ code: 'bad-request' });
    expect(c.swarms).toEqual([]);
  });

  it('re-joins its swarms after the server forcibly disconnects it', async () => {
    const other = newClient();
    const c = newClient();
    const first = await other.join('demo', '360p');
    const mine = await c.join('demo', '360p');
    await c.join('demo', '240p');
    const reasons: string[] = [];
    c.on('disconnect', (r) => reasons.push(r));
    const reconnected = once<RejoinOutcome[]>(c, 'reconnect');

    server.signaling.io.sockets.sockets.get(mine.peerId)?.disconnect(true);
    const outcomes = await reconnected;

    expect(reasons).toEqual(['io server disconnect']);
    expect(outcomes.map((o) => o.swarm).sort()).toEqual(['demo/240p', 'demo/360p']);
    const again = outcomes.find((o) => o.swarm === 'demo/360p');
    if (!again?.ok) throw new Error('re-join failed');
    expect(again.result.peerId).not.toBe(mine.peerId);
    expect(again.result.peerId).toBe(c.peerId);
    expect(again.result.neighbours).toEqual([first.peerId]);
    // The old membership is gone: 2 in demo/360p, 1 in demo/240p.
    expect(server.signaling.stats()).toMatchObject({ sockets: 2, swarms: 2, members: 3 });

    // And the new id is reachable.
    const got = once<RelayedSignal>(c, 'signal');
    other.signal('demo/360p', again.result.peerId, { type: 'answer', sdp: 'x' });
    expect((await got).from).toBe(first.peerId);
  });

  it('re-joins after a lost transport too (socket.io reconnects by itself)', async () => {
    const c = newClient();
    const mine = await c.join('demo', '360p');
    const reconnected = once<RejoinOutcome[]>(c, 'reconnect');
    server.signaling.io.sockets.sockets.get(mine.peerId)?.conn.close();
    const [outcome] = await reconnected;
    expect(outcome).toMatchObject({ swarm: 'demo/360p', ok: true });
    expect(server.signaling.stats()).toMatchObject({ sockets: 1, members: 1 });
  });

  it('drops signals while disconnected and fails pending requests on destroy', async () => {
    const c = newClient();
    await c.join('demo', '360p');
    const pending = c.join('demo', '240p');
    c.destroy();
    c.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'destroyed' });
    await expect(c.join('demo', '360p')).rejects.toMatchObject({ code: 'destroyed' });
    expect(c.signal('demo/360p', 'someone', {})).toBe(false);
    await until(() => server.signaling.stats().sockets === 0);
    expect(server.signaling.stats().members).toBe(0);
  });

  it('clears its retry timer on destroy', async () => {
    const live = new Set<number>();
    let next = 0;
    const c = newClient({
      serverDisconnectRetryMs: 60_000,
      timers: {
        setTimeout: () => {
          live.add(++next);
          return next;
        },
        clearTimeout: (h) => live.delete(h as number),
      },
    });
    const { peerId } = await c.join('demo', '360p');
    const gone = new Promise((resolve) => c.once('disconnect', resolve));
    server.signaling.io.sockets.sockets.get(peerId)?.disconnect(true);
    await gone;
    expect(live.size).toBe(1);
    c.destroy();
    expect(live.size).toBe(0);
  });

  it('validates config', () => {
    expect(() => new SignalingClient({ url: 'ftp://x', io: () => never() })).toThrow(RangeError);
    expect(() => new SignalingClient({ requestTimeoutMs: 0, io: () => never() })).toThrow(
      /requestTimeoutMs/,
    );
    expect(() => new SignalingClient({ path: 'x', io: () => never() })).toThrow(/path/);
  });
});

function never(): never {
  throw new Error('the socket factory must not be reached');
}

describe('SignalingClient against a misbehaving server', () => {
  let io: Server;
  let url: string;
  beforeAll(async () => {
    const http = createServer();
    io = new Server(http);
    io.on('connection', (socket) => {
      socket.on('join', (_req: unknown, ack: (x: unknown) => void) => {
        ack({ ok: true, peerId: socket.id, swarm: 'demo/360p', neighbours: 'everyone' });
      });
      socket.on('more', (_req: unknown, ack: (x: unknown) => void) => {
        ack({ ok: false, error: { code: 'mystery', message: 'x'.repeat(5000) } });
      });
      socket.on('leave', () => {
        socket.emit('signal', { swarm: 'demo/360p', from: 42, data: 'nope' });
        socket.emit('error', 'not an object');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => io.close());

  it('rejects malformed answers and reports malformed events, without throwing', async () => {
    const c = newClient({ url, requestTimeoutMs: 500 });
    await expect(c.join('demo', '360p')).rejects.toMatchObject({ code: 'bad-response' });
    const more = await c.more('demo/360p').catch((e: unknown) => e as SignalingError);
    expect(more).toMatchObject({ code: 'internal' });
    expect((more as SignalingError).message.length).toBeLessThanOrEqual(1000);
    const errors: SignalingError[] = [];
    const signals: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    c.on('signal', (s) => signals.push(s));
    // The fake server never answers leave: a timeout, then the two malformed events.
    await expect(c.leave('demo/360p')).rejects.toMatchObject({ code: 'timeout' });
    await until(() => errors.length >= 2);
    expect(errors.map((e) => e.code)).toEqual(['bad-response', 'bad-response']);
    expect(signals).toEqual([]);
  });
});
