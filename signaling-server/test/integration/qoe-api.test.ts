import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelStats } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import type { MeshcastServer } from '../../src/server.js';
import { report } from '../unit/qoe/report-fixture.js';
import { sendReport } from './support/send-report.js';
import { connect, nextError, type ClientSocket } from './signaling-helpers.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';

let server: MeshcastServer;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.registry.create({ ...DEMO_CHANNEL, id: 'off', enabled: false });
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(() => server.close());

const beacon = (body: string, type = 'text/plain;charset=UTF-8'): Promise<Response> =>
  fetch(`${server.url}/api/qoe`, { method: 'POST', headers: { 'content-type': type }, body });

async function client(): Promise<ClientSocket> {
  const s = await connect(server.url);
  sockets.push(s);
  return s;
}

async function stats(channel: string): Promise<ChannelStats> {
  const res = await fetch(`${server.url}/api/channels/${channel}/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as ChannelStats;
}

const BAD_FIELDS: [string, unknown][] = [
  ['an unknown key', { ...report(), bogus: true }],
  ['a negative counter', report({ stalls: -1 })],
  ['a ratio above 1', report({ rebufferRatio: 2 })],
  ['a bad session id', report({ sessionId: 'x' })],
  ['a missing field', (({ peers: _, ...rest }) => rest)(report())],
  ['more segments on time than played', report({ segmentsPlayed: 1, segmentsOnTime: 5 })],
  ['a string for a number', { ...report(), cdnBytes: '100' }],
  ['an array', [report()]],
];

describe('POST /api/qoe (sendBeacon)', () => {
  it('takes a text/plain or JSON report (204) and counts the viewer', async () => {
    const res = await beacon(JSON.stringify(report({ sessionId: 'beacon-1' })));
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const json = await beacon(
      JSON.stringify(report({ sessionId: 'beacon-2' })),
      'application/json',
    );
    expect(json.status).toBe(204);
    expect((await stats('demo')).current.viewers).toBe(2);
    // A final report (page hide) ends the viewer at once.
    await beacon(JSON.stringify(report({ sessionId: 'beacon-1', final: true })));
    await beacon(JSON.stringify(report({ sessionId: 'beacon-2', final: true })));
    expect((await stats('demo')).current.viewers).toBe(0);
  });

  it.each(BAD_FIELDS)('refuses a report with %s (400)', async (_name, payload) => {
    const res = await beacon(JSON.stringify(payload));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; reason: string };
    expect(body.reason).toBe('invalid');
    expect(body.error.length).toBeGreaterThan(0);
  });

  it('refuses bad JSON (400), other types (415), large bodies (413), unknown (404) and disabled (403) channels', async () => {
    expect((await beacon('{"channel":')).status).toBe(400);
    expect(
      (await beacon(JSON.stringify(report()), 'application/x-www-form-urlencoded')).status,
    ).toBe(415);
    const large = JSON.stringify({ ...report(), pad: 'x'.repeat(5000) });
    expect((await beacon(large)).status).toBe(413);
    expect((await beacon(JSON.stringify(report({ channel: 'nope' })))).status).toBe(404);
    expect((await beacon(JSON.stringify(report({ channel: 'off' })))).status).toBe(403);
    expect((await stats('demo')).current.viewers).toBe(0);
  });

  it('answers the CORS preflight of a fetch with a JSON body', async () => {
    const res = await fetch(`${server.url}/api/qoe`, {
      method: 'OPTIONS',
      headers: { origin: 'https://site.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
  });
});

describe('socket report', () => {
  it('acknowledges a valid report and refuses invalid ones with bad-request', async () => {
    const s = await client();
    const ok = await sendReport(s, report({ sessionId: 'socket-1' }));
    expect(ok).toEqual({ ok: true });
    expect((await stats('demo')).current.viewers).toBe(1);
    for (const [name, payload] of BAD_FIELDS) {
      const ack = await sendReport(s, payload);
      expect(ack.ok, name).toBe(false);
      if (!ack.ok) expect(ack.error.code, name).toBe('bad-request');
    }
    const unknown = await sendReport(s, report({ channel: 'nope' }));
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    const off = await sendReport(s, report({ channel: 'off' }));
    expect(off).toMatchObject({ ok: false, error: { code: 'channel-disabled' } });
    expect(s.connected).toBe(true);
    await sendReport(s, report({ sessionId: 'socket-1', final: true }));
  });

  it('reports a refusal without a callback as an error event', async () => {
    const s = await client();
    const error = nextError(s);
    // Fire and forget, as a player may send it: no callback.
    s.emit('report', { ...report(), cdnBytes: -5 });
    expect(await error).toMatchObject({ code: 'bad-request', event: 'report' });
  });
});

describe('GET /api/channels/:id/stats', () => {
  it('gives current figures and a history of 10 s points', async () => {
    const s = await client();
    const acks = [
      await sendReport(
        s,
        report({ sessionId: 'stats-one', cdnBytes: 1000, p2pBytes: 3000, peers: 3 }),
      ),
      await sendReport(
        s,
        report({ sessionId: 'stats-two', cdnBytes: 1000, p2pBytes: 0, peers: 1, startupMs: 2000 }),
      ),
    ];
    expect(acks).toEqual([{ ok: true }, { ok: true }]);
    server.qoe.sample();
    const body = await stats('demo');
    expect(body.channel).toBe('demo');
    expect(body.current).toMatchObject({
      viewers: 2,
      offload: 0.6,
      peersPerViewer: 2,
      startupMsP50: 900,
    });
    expect(body.history.intervalMs).toBe(10_000);
    expect(body.history.points.at(-1)).toMatchObject({ viewers: 2, offload: 0.6 });
    expect(typeof body.history.points.at(-1)?.t).toBe('number');
    for (const id of ['stats-one', 'stats-two']) {
      await sendReport(s, report({ sessionId: id, final: true }));
    }
  });

  it('answers 404 for an unknown channel', async () => {
    const res = await fetch(`${server.url}/api/channels/nope/stats`);
    expect(res.status).toBe(404);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with per-channel gauges and counters', async () => {
    const s = await client();
    await s.emitWithAck('join', { channel: 'demo', rendition: '360p' });
    await sendReport(
      s,
      report({
        sessionId: 'metrics-1',
        cdnBytes: 4000,
        p2pBytes: 1000,
        stalls: 2,
        stallMs: 1500,
        startupMs: 1200,
      }),
    );
    await beacon(JSON.stringify({ ...report(), bogus: 1 }));
    server.qoe.sample();

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(await res.text());
    const demo = { channel: 'demo' };
    expect(sampleValue(families, 'meshcast_viewers', demo)).toBe(1);
    expect(sampleValue(families, 'meshcast_offload_ratio', demo)).toBeCloseTo(0.2, 4);
    expect(sampleValue(families, 'meshcast_continuity_index', demo)).toBe(1);
    expect(sampleValue(families, 'meshcast_startup_seconds', { ...demo, quantile: '0.5' })).toBe(
      1.2,
    );
    expect(
      sampleValue(families, 'meshcast_live_latency_seconds', { ...demo, quantile: '0.5' }),
    ).toBe(6);
    expect(
      sampleValue(families, 'meshcast_throughput_bytes_per_second', { ...demo, source: 'cdn' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(families, 'meshcast_media_bytes_total', { ...demo, source: 'p2p' }),
    ).toBeGreaterThanOrEqual(1000);
    expect(sampleValue(families, 'meshcast_stalls_total', demo)).toBeGreaterThanOrEqual(2);
    expect(
      sampleValue(families, 'meshcast_qoe_reports_rejected_total', { reason: 'invalid' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'meshcast_signaling_members')).toBe(1);
    expect(families.find((f) => f.name === 'meshcast_qoe_reports_total')?.type).toBe('COUNTER');
    expect(families.find((f) => f.name === 'meshcast_viewers')?.type).toBe('GAUGE');
    await sendReport(s, report({ sessionId: 'metrics-1', final: true }));
  });
});
