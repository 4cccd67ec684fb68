import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelDisabledMessage, JoinAck } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';
import { report } from '../unit/qoe/report-fixture.js';
import { sendReport } from './support/send-report.js';
import { connect, until, type ClientSocket } from './signaling-helpers.js';

const TOKEN = 'channel-disabled-test-token';
let server: MeshcastServer;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({ adminToken: TOKEN });
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(() => server.close());

const admin = (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`${server.url}/api/channels${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

/** A connected client that records every channel-disabled message. */
async function viewer(): Promise<{ socket: ClientSocket; told: ChannelDisabledMessage[] }> {
  const socket = await connect(server.url);
  sockets.push(socket);
  const told: ChannelDisabledMessage[] = [];
  socket.on('channel-disabled', (m) => told.push(m));
  return { socket, told };
}

async function join(socket: ClientSocket, channel: string, rendition: string): Promise<JoinAck> {
  return socket.emitWithAck('join', { channel, rendition });
}

describe('channel-disabled', () => {
  it('tells every viewer of a disabled channel, drops them from its swarms, and refuses new joins', async () => {
    expect(
      (await admin('POST', '', { id: 'live', name: 'Live', sourceUrl: '/live/demo/master.m3u8' }))
        .status,
    ).toBe(201);
    const a = await viewer();
    const b = await viewer();
    const reporter = await viewer();
    const other = await viewer();
    expect((await join(a.socket, 'live', '360p')).ok).toBe(true);
    expect((await join(b.socket, 'live', '240p')).ok).toBe(true);
    expect(await sendReport(reporter.socket, report({ channel: 'live' }))).toEqual({
      ok: true,
    });
    expect((await join(other.socket, 'demo', '360p')).ok).toBe(true);
    expect(server.signaling.stats().members).toBe(3);

    expect((await admin('PATCH', '/live', { enabled: false })).status).toBe(200);
    await until(() => a.told.length > 0 && b.told.length > 0 && reporter.told.length > 0);
    for (const v of [a, b, reporter])
      expect(v.told).toEqual([{ channel: 'live', reason: 'disabled' }]);
    expect(server.signaling.stats()).toMatchObject({ members: 1, swarms: 1 });
    // The viewers stay connected (they may watch another channel), the others hear nothing.
    expect(a.socket.connected).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(other.told).toEqual([]);

    const refused = await join(a.socket, 'live', '360p');
    expect(refused).toMatchObject({ ok: false, error: { code: 'channel-disabled' } });
    const report2 = await sendReport(reporter.socket, report({ channel: 'live' }));
    expect(report2).toMatchObject({ ok: false, error: { code: 'channel-disabled' } });
  });

  it('tells viewers of a deleted channel, and of one whose P2P was switched off', async () => {
    await admin('PATCH', '/live', { enabled: true });
    const a = await viewer();
    const d = await viewer();
    expect((await join(a.socket, 'live', '360p')).ok).toBe(true);
    expect((await join(d.socket, 'demo', '360p')).ok).toBe(true);

    expect((await admin('DELETE', '/live')).status).toBe(204);
    await until(() => a.told.length > 0);
    expect(a.told).toEqual([{ channel: 'live', reason: 'deleted' }]);
    expect(await join(a.socket, 'live', '360p')).toMatchObject({
      ok: false,
      error: { code: 'unknown-channel' },
    });

    expect((await admin('PATCH', '/demo', { p2pEnabled: false })).status).toBe(200);
    await until(() => d.told.length > 0);
    expect(d.told).toEqual([{ channel: 'demo', reason: 'p2p-disabled' }]);
    expect(server.signaling.stats().members).toBe(0);
    // Reports still count: CDN-only viewers go on reporting.
    expect(await sendReport(d.socket, report())).toEqual({ ok: true });
    await admin('PATCH', '/demo', { p2pEnabled: true });
  });
});
