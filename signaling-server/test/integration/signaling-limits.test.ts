import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck, SignalingErrorInfo } from '../../../client/src/signaling/protocol.js';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import {
  startBareSignaling,
  until,
  type BareSignalingServer,
  type ClientSocket,
} from './signaling-helpers.js';
import { useTestClients } from './support/test-clients.js';

let server: BareSignalingServer;
const clients = useTestClients(() => server);
const client = (): Promise<ClientSocket> => clients.open();

const join = (s: ClientSocket): Promise<JoinAck> =>
  s.emitWithAck('join', { channel: 'demo', rendition: '360p' });

/** Every `error` event a socket gets from now on. */
function errorsOf(s: ClientSocket): SignalingErrorInfo[] {
  const seen: SignalingErrorInfo[] = [];
  s.on('error', (e) => seen.push(e));
  return seen;
}

beforeAll(async () => {
  // Slow refills, so that a test's few hundred milliseconds add no token worth counting.
  server = await startBareSignaling([DEMO_CHANNEL], {
    signalingJoinRate: 0.1,
    signalingJoinBurst: 3,
    signalingRelayRate: 0.1,
    signalingRelayBurst: 5,
  });
});

afterAll(async () => {
  await server.close();
});

describe('signaling rate limits (per connection)', () => {
  it('refuses joins past the burst with rate-limited; other connections are not affected', async () => {
    const a = await client();
    const errors = errorsOf(a);
    const acks = await Promise.all([1, 2, 3, 4, 5].map(() => join(a)));
    expect(acks.slice(0, 3).every((ack) => ack.ok)).toBe(true);
    for (const ack of acks.slice(3)) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'rate-limited', event: 'join' } });
    }
    // `more` draws from the same bucket.
    const more = await a.emitWithAck('more', { swarm: 'demo/360p', exclude: [] });
    expect(more).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    // One `error` event told the connection, not one per refusal.
    await until(() => errors.length > 0);
    expect(errors.filter((e) => e.code === 'rate-limited')).toHaveLength(1);

    const b = await client();
    expect((await join(b)).ok).toBe(true);
    expect(server.signaling.stats().members).toBe(2);
  });

  it('relays a burst of signals, then refuses the rest with rate-limited', async () => {
    const a = await client();
    const b = await client();
    expect((await join(a)).ok).toBe(true);
    expect((await join(b)).ok).toBe(true);
    const received: unknown[] = [];
    b.on('signal', (s) => received.push(s.data));
    const errors = errorsOf(a);
    for (let i = 0; i < 20; i++) {
      a.emit('signal', { swarm: 'demo/360p', to: b.id!, data: { type: 'candidate', i } });
    }
    await until(() => errors.length > 0 && received.length >= 5);
    // Delivered in order, and no more than the burst.
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([0, 1, 2, 3, 4].map((i) => ({ type: 'candidate', i })));
    expect(errors).toEqual([
      {
        code: 'rate-limited',
        message: expect.stringContaining('signal') as string,
        event: 'signal',
      },
    ]);
    // The other direction has its own bucket.
    const back = new Promise((resolve) => a.once('signal', resolve));
    b.emit('signal', { swarm: 'demo/360p', to: a.id!, data: { type: 'answer', sdp: 'x' } });
    await back;
  });

  it('answers junk only while its budget lasts, then drops it unanswered', async () => {
    const a = await client();
    const errors = errorsOf(a);
    const raw = a as unknown as Socket;
    for (let i = 0; i < 50; i++) raw.emit('leave', { swarm: 42 });
    await new Promise((r) => setTimeout(r, 300));
    // The relay budget (burst 5) covers the bad requests answered.
    expect(errors.length).toBe(5);
    expect(errors.every((e) => e.code === 'bad-request')).toBe(true);
    expect(a.connected).toBe(true);
  });
});
