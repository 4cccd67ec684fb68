import { createHmac } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';
import type { ClientSocket } from './signaling-helpers.js';

type JoinOk = Extract<JoinAck, { ok: true }>;

const TURN_SECRET = 'integration-turn-secret';
let server: MeshcastServer;
const sockets: ClientSocket[] = [];

/** A viewer whose load balancer says it is in `region`. */
async function viewer(region: string, forwardedFor: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(server.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { 'x-meshcast-region': region, 'x-forwarded-for': forwardedFor },
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function join(socket: ClientSocket): Promise<JoinOk> {
  const ack = await socket.emitWithAck('join', { channel: 'demo', rendition: '360p' });
  if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
  return ack;
}

beforeAll(async () => {
  server = await startTestServer({
    iceServers: [{ urls: 'stun:stun.invalid:3478' }],
    turnUrls: ['turn:turn.invalid:3478'],
    turnSecret: TURN_SECRET,
    turnTtlSeconds: 600,
    trustProxy: true,
    // No random share: the test can tell exactly which neighbours locality picked.
    localityRandomShare: 0,
  });
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await server.close();
});

describe('join: TURN credentials and locality behind a trusted proxy', () => {
  it('hands each viewer its own TURN credentials after the configured ICE servers', async () => {
    const before = Math.floor(Date.now() / 1000);
    const ack = await join(await viewer('eu', '198.51.100.7'));
    const after = Math.floor(Date.now() / 1000);
    const [stun, turn] = ack.ice.iceServers;
    expect(stun).toEqual({ urls: 'stun:stun.invalid:3478' });
    expect(turn?.urls).toEqual(['turn:turn.invalid:3478']);
    const [expiry, peer] = (turn?.username ?? '').split(':');
    expect(peer).toBe(ack.peerId);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
    const expected = createHmac('sha1', TURN_SECRET)
      .update(turn?.username ?? '')
      .digest('base64');
    expect(turn?.credential).toBe(expected);
  });

  it('gives a joiner the members of its region first', async () => {
    const eu: string[] = [];
    const us: string[] = [];
    for (let i = 0; i < 5; i++) eu.push((await join(await viewer('eu', `198.51.100.${i}`))).peerId);
    for (let i = 0; i < 3; i++) us.push((await join(await viewer('us', `203.0.113.${i}`))).peerId);
    const last = await join(await viewer('us', '203.0.113.99'));
    // 8 neighbours: the 3 in its region, then the rest from the whole swarm.
    expect(last.neighbours).toHaveLength(8);
    expect(last.neighbours.slice(0, 3).sort()).toEqual([...us].sort());
    const another = await join(await viewer('eu', '198.51.100.99'));
    expect(another.neighbours.slice(0, 6).every((p) => !us.includes(p))).toBe(true);
  });
});
