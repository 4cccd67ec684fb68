import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentHash } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import { DEMO_CHANNEL } from '../../src/channels/channel.js';
import { MemoryChannelRegistry } from '../../src/channels/channel-registry.js';
import { IntegrityService } from '../../src/integrity/integrity-service.js';
import { RenditionWatcher } from '../../src/integrity/rendition-watcher.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_SERVER_CONFIG } from '../../src/config.js';
import type { MeshcastServer } from '../../src/server.js';
import { connect, until, type ClientSocket } from './signaling-helpers.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const logger = createLogger({ ...DEFAULT_SERVER_CONFIG, logLevel: 'silent' });

describe('RenditionWatcher against a real HTTP origin', () => {
  let origin: Server;
  let base: string;
  let listed: number[] = [];
  const failOnce = new Set<number>();
  const requests: string[] = [];
  const body = (seq: number): Uint8Array => new Uint8Array(1000 + seq).fill(seq);

  beforeAll(async () => {
    origin = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/live/index.m3u8') {
        const lines = ['#EXTM3U', `#EXT-X-MEDIA-SEQUENCE:${listed[0] ?? 0}`];
        for (const seq of listed) lines.push('#EXTINF:2.0,', `${seq}.ts`);
        res.end(lines.join('\n'));
        return;
      }
      const seq = Number(/^\/live\/(\d+)\.ts$/.exec(req.url ?? '')?.[1]);
      if (Number.isNaN(seq) || failOnce.delete(seq)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(body(seq));
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => origin.close(() => r())));

  it('hashes each new segment once, in order, and retries a failed one on the next poll', async () => {
    const hashes: SegmentHash[] = [];
    const watcher = new RenditionWatcher({
      swarm: 'x/360p',
      playlistUrl: `${base}/live/index.m3u8`,
      fetch,
      timeoutMs: 5000,
      now: () => performance.now(),
      onHash: (h) => {
        hashes.push(h);
        return Promise.resolve();
      },
    });
    listed = [10, 11, 12];
    failOnce.add(12);
    await watcher.poll();
    expect(hashes).toEqual(
      [10, 11].map((s) => ({ seq: s, size: body(s).length, sha256: sha256(body(s)) })),
    );
    listed = [11, 12, 13];
    requests.length = 0;
    await watcher.poll();
    expect(hashes.map((h) => h.seq)).toEqual([10, 11, 12, 13]);
    // Only the playlist and the two segments not hashed yet were fetched.
    expect(requests).toEqual(['/live/index.m3u8', '/live/12.ts', '/live/13.ts']);
    expect(watcher.counters).toMatchObject({ segmentFetches: 4, playlistFetches: 2, failures: 1 });
    await watcher.poll();
    expect(hashes).toHaveLength(4);
    watcher.destroy();
    watcher.destroy();
  });
});

describe('IntegrityService in a real server', () => {
  let server: MeshcastServer;
  const sockets: ClientSocket[] = [];
  const services: IntegrityService[] = [];

  beforeAll(async () => {
    server = await startTestServer({ integrityPollMs: 200 });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const s of services.splice(0)) await s.destroy();
  });
  afterAll(async () => {
    await server.close();
  });

  const join = async (socket: ClientSocket, channel: string, rendition: string) => {
    const ack: unknown = await socket.emitWithAck('join', { channel, rendition });
    expect(ack).toMatchObject({ ok: true });
    return ack;
  };

  it('watches a channel while it is enabled; deleting it forgets its hashes', async () => {
    await server.registry.create({ ...DEMO_CHANNEL, id: 'copy', name: 'copy' });
    const socket = await connect(server.url);
    sockets.push(socket);
    const got: SegmentHash[] = [];
    socket.on('segment-hashes', (m) => {
      if (m.swarm === 'copy/240p') got.push(...m.hashes);
    });
    await join(socket, 'copy', '240p');
    await until(() => got.length >= 3, 10_000);
    const integrity = server.integrity!;
    expect(integrity.watchedSwarms()).toContain('copy/240p');
    expect(integrity.watchedSwarms()).not.toContain('copy/360p'); // nobody watches it
    await server.registry.update('copy', { enabled: false });
    expect(integrity.watchedSwarms()).not.toContain('copy/240p');
    await server.registry.update('copy', { enabled: true });
    await server.registry.delete('copy');
    await until(() => !integrity.watchedSwarms().includes('copy/240p'));
    expect(await integrity.store.list('copy/240p', 64)).toEqual([]);
  });

  it('stops watching a rendition once its swarm is empty (after lingerMs)', async () => {
    const service = new IntegrityService({
      registry: new MemoryChannelRegistry([DEMO_CHANNEL]),
      logger,
      config: { pollMs: 100, lingerMs: 0 },
    });
    services.push(service);
    await service.start(server.signaling.io, server.url);
    const socket = await connect(server.url);
    sockets.push(socket);
    await join(socket, 'demo', '360p');
    await until(() => service.watchedSwarms().includes('demo/360p'), 5000);
    await socket.emitWithAck('leave', { swarm: 'demo/360p' });
    await until(() => !service.watchedSwarms().includes('demo/360p'), 5000);
    expect(service.counters().segmentFetches).toBeGreaterThan(0);
  });

  it('validates report-peer: both must be members; a report counts once per reporter', async () => {
    const a = await connect(server.url);
    const b = await connect(server.url);
    const c = await connect(server.url);
    sockets.push(a, b, c);
    const bad: unknown = await a.emitWithAck('report-peer', {
      swarm: 'demo/360p',
      peer: 'x',
      seq: -1,
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const notMember: unknown = await a.emitWithAck('report-peer', {
      swarm: 'demo/360p',
      peer: c.id ?? '',
      seq: 1,
    });
    expect(notMember).toMatchObject({ ok: false, error: { code: 'not-in-swarm' } });
    for (const s of [a, b, c]) await join(s, 'demo', '360p');
    const reports = server.integrity!.reports;
    expect(
      await a.emitWithAck('report-peer', { swarm: 'demo/360p', peer: c.id ?? '', seq: 1 }),
    ).toEqual({ ok: true });
    expect(
      await a.emitWithAck('report-peer', { swarm: 'demo/360p', peer: c.id ?? '', seq: 2 }),
    ).toEqual({ ok: true });
    expect(reports.isExcluded('demo/360p', c.id ?? '')).toBe(false);
    const self: unknown = await b.emitWithAck('report-peer', {
      swarm: 'demo/360p',
      peer: b.id ?? '',
      seq: 1,
    });
    expect(self).toMatchObject({ ok: false, error: { code: 'not-in-swarm' } });
    await b.emitWithAck('report-peer', { swarm: 'demo/360p', peer: c.id ?? '', seq: 1 });
    expect(reports.isExcluded('demo/360p', c.id ?? '')).toBe(true);
    // Excluded: never offered again, and its signals are not relayed.
    const more: unknown = await a.emitWithAck('more', { swarm: 'demo/360p', exclude: [] });
    expect(more).toMatchObject({ ok: true });
    expect((more as { neighbours: string[] }).neighbours).not.toContain(c.id);
    let relayed = false;
    a.on('signal', () => (relayed = true));
    c.emit('signal', { swarm: 'demo/360p', to: a.id ?? '', data: { type: 'offer', sdp: 'x' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(relayed).toBe(false);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^meshcast_integrity_excluded_peers 1$/m);
    expect(metrics).toMatch(/^meshcast_integrity_peer_reports_total [3-9]$/m);
    expect(
      Number(/^meshcast_integrity_segments_hashed_total (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThan(0);
    // A disconnect forgets the peer.
    const excludedId = c.id ?? '';
    c.disconnect();
    await until(() => !reports.isExcluded('demo/360p', excludedId), 3000);
  });

  it('with INTEGRITY=off: no hashes, report-peer refused', async () => {
    const off = await startTestServer({ integrity: false });
    try {
      expect(off.integrity).toBeUndefined();
      const socket = await connect(off.url);
      sockets.push(socket);
      let hashes = 0;
      socket.on('segment-hashes', () => hashes++);
      await join(socket, 'demo', '360p');
      const refused: unknown = await socket.emitWithAck('report-peer', {
        swarm: 'demo/360p',
        peer: 'p',
        seq: 1,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'internal' } });
      await new Promise((r) => setTimeout(r, 500));
      expect(hashes).toBe(0);
    } finally {
      await off.close();
    }
  });
});
