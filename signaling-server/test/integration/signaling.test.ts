import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  JoinAck,
  RelayedSignal,
  SignalingErrorInfo,
} from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import type { MeshcastServer } from '../../src/server.js';
import {
  connect,
  nextError,
  startBareSignaling,
  until,
  type BareSignalingServer,
  type ClientSocket,
} from './signaling-helpers.js';
import { PEER_WIRE_VERSION } from '../../src/signaling/schemas.js';
import { useTestClients } from './support/test-clients.js';

type JoinOk = Extract<JoinAck, { ok: true }>;

function join(socket: ClientSocket, channel: string, rendition: string): Promise<JoinAck> {
  return socket.emitWithAck('join', { channel, rendition });
}

async function joinOk(socket: ClientSocket, channel: string, rendition: string): Promise<JoinOk> {
  const ack = await join(socket, channel, rendition);
  if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
  return ack;
}

let server: MeshcastServer;
// After each test: no socket, and with them every swarm and member gone.
const clients = useTestClients(
  () => server,
  () => expect(server.signaling.stats()).toEqual({ sockets: 0, swarms: 0, members: 0 }),
);
const client = (): Promise<ClientSocket> => clients.open();

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
});

describe('signaling: join', () => {
  it('gives each joiner a bounded sample of other members of its swarm', async () => {
    const joined: JoinOk[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await client();
      const ack = await joinOk(s, 'demo', '360p');
      expect(ack.peerId).toBe(s.id);
      expect(ack.swarm).toBe('demo/360p');
      expect(ack.neighbours.length).toBe(Math.min(i, DEMO_CHANNEL.maxNeighbours));
      expect(new Set(ack.neighbours).size).toBe(ack.neighbours.length);
      expect(ack.neighbours).not.toContain(ack.peerId);
      const earlier = new Set(joined.map((j) => j.peerId));
      for (const n of ack.neighbours) expect(earlier.has(n)).toBe(true);
      joined.push(ack);
    }
    // Another rendition is another swarm: its first member gets nobody.
    const other = await joinOk(await client(), 'demo', '240p');
    expect(other.neighbours).toEqual([]);
    expect(server.signaling.stats()).toEqual({ sockets: 21, swarms: 2, members: 21 });
  });

  it('caps neighbours at SIGNALING_MAX_NEIGHBOURS below the channel maximum', async () => {
    const small = await startTestServer({ signalingMaxNeighbours: 3 });
    const mine: ClientSocket[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const s = await connect(small.url);
        mine.push(s);
        const ack = await joinOk(s, 'demo', '360p');
        expect(ack.neighbours.length).toBe(Math.min(i, 3));
      }
    } finally {
      for (const s of mine) s.disconnect();
      await small.close();
    }
  });

  it('hands the ICE configuration of the server to joiners', async () => {
    const iceServers = [
      { urls: 'stun:127.0.0.1:3478' },
      { urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'secret' },
    ];
    const custom = await startTestServer({ iceServers, iceCandidateFilter: 'loopback' });
    try {
      const s = await connect(custom.url);
      const ack = await joinOk(s, 'demo', '360p');
      expect(ack.ice).toEqual({ iceServers, candidateFilter: 'loopback' });
      s.disconnect();
    } finally {
      await custom.close();
    }
    const plain = await joinOk(await client(), 'demo', '360p');
    expect(plain.ice).toEqual({ iceServers: [], candidateFilter: 'none' });
  });

  it('refuses an unknown channel', async () => {
    const ack = await join(await client(), 'nope', '360p');
    expect(ack).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(server.signaling.stats().members).toBe(0);
  });

  it('pairs only viewers of its peer wire protocol version', async () => {
    const s = await client();
    const other = PEER_WIRE_VERSION + 1;
    const refused = await s.emitWithAck('join', {
      channel: 'demo',
      rendition: '360p',
      wire: other,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unsupported-wire' } });
    expect(JSON.stringify(refused)).toContain(`protocol ${other}`);
    expect(server.signaling.stats().members).toBe(0);
    const bad = await s.emitWithAck('join', {
      channel: 'demo',
      rendition: '360p',
      wire: 'x' as unknown as number,
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const ok = await s.emitWithAck('join', {
      channel: 'demo',
      rendition: '360p',
      wire: PEER_WIRE_VERSION,
    });
    expect(ok).toMatchObject({ ok: true });
    expect(server.signaling.stats().members).toBe(1);
  });

  it('allows at most 4 swarms per connection; joining twice is harmless', async () => {
    const s = await client();
    for (const r of ['a', 'b', 'c', 'd']) await joinOk(s, 'demo', r);
    await joinOk(s, 'demo', 'a');
    expect(await join(s, 'demo', 'e')).toMatchObject({
      ok: false,
      error: { code: 'too-many-swarms' },
    });
    expect(await s.emitWithAck('leave', { swarm: 'demo/a' })).toEqual({ ok: true });
    await joinOk(s, 'demo', 'e');
    expect(server.signaling.stats()).toMatchObject({ swarms: 4, members: 4 });
  });

  it('gives more neighbours on request, without the excluded ones', async () => {
    const members = await Promise.all(Array.from({ length: 12 }, () => client()));
    for (const m of members) await joinOk(m, 'demo', '360p');
    const me = members[11]!;
    const exclude = members.slice(0, 6).map((m) => m.id!);
    const ack = await me.emitWithAck('more', { swarm: 'demo/360p', exclude });
    if (!ack.ok) throw new Error(ack.error.code);
    expect(ack.neighbours.sort()).toEqual(
      members
        .slice(6, 11)
        .map((m) => m.id!)
        .sort(),
    );
    const outsider = await client();
    const refused = await outsider.emitWithAck('more', { swarm: 'demo/360p', exclude: [] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not-in-swarm' } });
  });
});

describe('signaling: relay', () => {
  it('relays within a swarm and refuses across swarms and to non-members', async () => {
    const [a, b, c, d] = await Promise.all([client(), client(), client(), client()]);
    await joinOk(a, 'demo', '360p');
    await joinOk(b, 'demo', '360p');
    await joinOk(c, 'demo', '240p');
    const received: { who: string; m: RelayedSignal }[] = [];
    for (const [who, s] of [
      ['a', a],
      ['b', b],
      ['c', c],
      ['d', d],
    ] as const) {
      s.on('signal', (m) => received.push({ who, m }));
    }

    const data = { type: 'offer', sdp: 'v=0\r\n' };
    const got = new Promise<RelayedSignal>((resolve) => b.once('signal', resolve));
    a.emit('signal', { swarm: 'demo/360p', to: b.id!, data });
    expect(await got).toEqual({ swarm: 'demo/360p', from: a.id, data });

    const refusals: [ClientSocket, { swarm: string; to: string }][] = [
      [a, { swarm: 'demo/360p', to: c.id! }], // target in another swarm
      [a, { swarm: 'demo/240p', to: c.id! }], // sender not in the target's swarm
      [d, { swarm: 'demo/360p', to: b.id! }], // sender in no swarm
      [a, { swarm: 'demo/360p', to: a.id! }], // to itself
      [a, { swarm: 'demo/360p', to: 'no-such-peer' }],
    ];
    for (const [from, target] of refusals) {
      const err = nextError(from);
      from.emit('signal', { ...target, data });
      expect(await err).toMatchObject({ code: 'not-in-swarm', event: 'signal' });
    }
    // A round trip after the refusals: nothing else was delivered meanwhile.
    const back = new Promise<RelayedSignal>((resolve) => a.once('signal', resolve));
    b.emit('signal', { swarm: 'demo/360p', to: a.id!, data: { type: 'answer', sdp: 'x' } });
    await back;
    expect(received.map((r) => r.who)).toEqual(['b', 'a']);
  });
});

describe('signaling: leaving', () => {
  it('cleans up on leave and on disconnect', async () => {
    const s1 = await client();
    const s2 = await client();
    await joinOk(s1, 'demo', '360p');
    await joinOk(s1, 'demo', '240p');
    await joinOk(s2, 'demo', '360p');
    expect(server.signaling.stats()).toEqual({ sockets: 2, swarms: 2, members: 3 });
    expect(await s1.emitWithAck('leave', { swarm: 'demo/240p' })).toEqual({
      ok: true,
    });
    expect(server.signaling.stats()).toEqual({ sockets: 2, swarms: 1, members: 2 });
    // A peer that left is no longer offered nor reachable.
    const s3 = await client();
    const ack = await joinOk(s3, 'demo', '240p');
    expect(ack.neighbours).toEqual([]);
    s2.disconnect();
    await until(() => server.signaling.stats().members === 2);
    const err = nextError(s1);
    s1.emit('signal', { swarm: 'demo/360p', to: s2.id ?? 'gone', data: {} });
    expect((await err).code).toBe('not-in-swarm');
  });

  it('stops signaling cleanly on server close, with clients connected', async () => {
    const temp = await startTestServer();
    const s = await connect(temp.url);
    await joinOk(s, 'demo', '360p');
    const gone = new Promise<string>((resolve) => s.once('disconnect', resolve));
    await temp.close();
    expect(await gone).toBe('io server disconnect');
    expect(temp.signaling.stats()).toEqual({ sockets: 0, swarms: 0, members: 0 });
    await temp.signaling.destroy(); // twice is fine
  });
});

describe('signaling: channel states', () => {
  let bare: BareSignalingServer;
  beforeAll(async () => {
    bare = await startBareSignaling([
      { ...DEMO_CHANNEL, id: 'off', enabled: false },
      { ...DEMO_CHANNEL, id: 'cdn-only', p2pEnabled: false },
      { ...DEMO_CHANNEL, id: 'tiny', maxNeighbours: 2 },
    ]);
  });
  afterAll(() => bare.close());

  it('refuses disabled and CDN-only channels and honours the channel neighbour cap', async () => {
    const s = await connect(bare.url);
    try {
      expect(await join(s, 'off', '360p')).toMatchObject({
        ok: false,
        error: { code: 'channel-disabled' },
      });
      expect(await join(s, 'cdn-only', '360p')).toMatchObject({
        ok: false,
        error: { code: 'p2p-disabled' },
      });
      const others = await Promise.all(Array.from({ length: 5 }, () => connect(bare.url)));
      for (const o of others) await joinOk(o, 'tiny', 'hi');
      expect((await joinOk(s, 'tiny', 'hi')).neighbours).toHaveLength(2);
      for (const o of others) o.disconnect();
    } finally {
      s.disconnect();
    }
  });
});

describe('signaling: untrusted input', () => {
  const sdp = { type: 'offer', sdp: 'v=0' };
  const deep = (n: number): unknown => (n === 0 ? {} : { d: deep(n - 1) });
  const ok = { swarm: 'demo/360p', to: 'x', data: sdp };
  // [event, payload (or 'none' for no argument), whether to pass a callback]
  const cases: [string, unknown, boolean][] = [
    ['join', 'none', true],
    ['join', null, true],
    ['join', 42, true],
    ['join', 'demo', true],
    ['join', [], true],
    ['join', {}, true],
    ['join', { channel: 'demo' }, true],
    ['join', { channel: 5, rendition: '360p' }, true],
    ['join', { channel: 'DEMO', rendition: '360p' }, true],
    ['join', { channel: 'demo', rendition: 'r'.repeat(33) }, true],
    ['join', { channel: 'demo', rendition: '3 60p' }, true],
    ['join', { channel: 'demo', rendition: '360p', x: 'y'.repeat(30_000) }, true],
    ['join', { channel: 'c'.repeat(40_000), rendition: '360p' }, true],
    ['join', { channel: 'demo', rendition: '360p' }, false],
    ['more', { swarm: 'demo/360p' }, true],
    ['more', { swarm: 'demo/360p', exclude: 'x' }, true],
    ['more', { swarm: 'demo/360p', exclude: Array.from({ length: 300 }, (_, i) => `p${i}`) }, true],
    ['more', { swarm: 'nope', exclude: [] }, true],
    ['more', { swarm: 'demo/360p', exclude: [] }, false],
    ['signal', null, false],
    ['signal', 'hello', false],
    ['signal', { swarm: 'demo/360p', to: 'x' }, false],
    ['signal', { ...ok, data: 'offer' }, false],
    ['signal', { ...ok, data: [1, 2] }, false],
    ['signal', { ...ok, data: null }, false],
    ['signal', { ...ok, data: { sdp: 'x'.repeat(17_000) } }, false],
    ['signal', { ...ok, data: deep(20) }, false],
    ['signal', { ...ok, data: { blob: Buffer.from('binary') } }, false],
    ['signal', { ...ok, to: 123 }, false],
    ['signal', { ...ok, to: '' }, false],
    ['signal', { ...ok, to: 't'.repeat(65) }, false],
    ['signal', { ...ok, extra: true }, false],
    ['signal', { ...ok, swarm: '../../etc' }, false],
    ['leave', {}, true],
    ['leave', { swarm: 1 }, true],
    ['leave', 'demo/360p', false],
    ['hello', { a: 1 }, false],
    ['JOIN', { channel: 'demo', rendition: '360p' }, true],
    ['__proto__', {}, false],
    ['constructor', {}, false],
    ['toString', {}, false],
    ['hasOwnProperty', {}, false],
  ];

  it(`answers ${cases.length} malformed requests with an error, and keeps serving`, async () => {
    const s = await client();
    await joinOk(s, 'demo', '360p');
    const raw = s as unknown as Socket;
    for (const [index, [event, payload, withAck]] of cases.entries()) {
      const err = nextError(s);
      const args: unknown[] = payload === 'none' ? [] : [payload];
      let acked: Promise<unknown> | undefined;
      if (withAck) {
        acked = new Promise((resolve) => args.push(resolve));
      }
      raw.emit(event, ...args);
      const info: SignalingErrorInfo = await err.catch((e: unknown) => {
        throw new Error(`case ${index} (${event}): ${String(e)}`);
      });
      expect(['bad-request', 'unknown-event']).toContain(info.code);
      expect(info.message.length).toBeLessThan(300);
      // A callback, when the event takes one and the payload reached the handler, is answered.
      if (
        acked &&
        (event === 'join' || event === 'more' || event === 'leave') &&
        payload !== 'none'
      ) {
        expect(await acked).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      }
    }
    expect(s.connected).toBe(true);
    // Still a member, still served.
    const again = await joinOk(s, 'demo', '360p');
    expect(again.peerId).toBe(s.id);
    expect(server.signaling.stats()).toMatchObject({ sockets: 1, members: 1 });
  });

  it('drops a connection that sends more than the message limit, and only that one', async () => {
    const good = await client();
    const bad = await client();
    const closed = new Promise<string>((resolve) => bad.once('disconnect', resolve));
    bad.emit('signal', { swarm: 'demo/360p', to: 'x', data: { sdp: 'x'.repeat(70_000) } });
    expect(await closed).toBe('transport close');
    await joinOk(good, 'demo', '360p');
  });
});
