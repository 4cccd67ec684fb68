import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshcastServer } from '../../signaling-server/src/server.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startTestServer } from '../support/server.js';

// The proxy the CDN-fault e2e test and bench/swarm put in front of an HLS origin.
describe('FaultProxy in front of the demo origin', () => {
  let server: MeshcastServer;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await server.close();
  });

  const start = async (proxy: FaultProxy): Promise<string> => {
    proxies.push(proxy);
    return proxy.start();
  };
  const firstSegment = async (base: string): Promise<string> => {
    const playlist = await (await fetch(`${base}/live/demo/360p/index.m3u8`)).text();
    const uri = playlist.split('\n').find((l) => l && !l.startsWith('#'));
    return `${base}/live/demo/360p/${uri}`;
  };

  it('without faults: passes everything and counts the segment bytes the origin served', async () => {
    const proxy = new FaultProxy(server.url);
    const base = await start(proxy);
    const master = await fetch(`${base}/live/demo/master.m3u8`);
    expect(master.status).toBe(200);
    expect(master.headers.get('access-control-allow-origin')).toBe('*');
    await master.text();
    const segment = await fetch(await firstSegment(base));
    const bytes = (await segment.arrayBuffer()).byteLength;
    expect(segment.status).toBe(200);
    expect(bytes).toBeGreaterThan(0);
    expect(proxy.counters).toEqual({
      segmentRequests: 1,
      injected503: 0,
      segmentsServed: 1,
      segmentBytes: bytes,
      playlistRequests: 2,
    });
    await proxy.stop();
    await proxy.stop(); // twice is fine
  });

  it('at rate 1: every segment request is a 503, playlists still pass', async () => {
    const proxy = new FaultProxy(server.url, { segment503Rate: 1 });
    const base = await start(proxy);
    const url = await firstSegment(base);
    const res = await fetch(url);
    expect(res.status).toBe(503);
    await res.text();
    expect(proxy.failedPaths).toEqual([new URL(url).pathname]);
    expect(proxy.counters).toMatchObject({
      segmentRequests: 1,
      injected503: 1,
      segmentsServed: 0,
      segmentBytes: 0,
      playlistRequests: 1,
    });
  });

  it('does not count a playlist as segment bytes when only its type says it is one', async () => {
    const origin = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end('#EXTM3U\n');
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    try {
      const proxy = new FaultProxy(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`);
      const base = await start(proxy);
      expect(await (await fetch(`${base}/playlist?token=1`)).text()).toBe('#EXTM3U\n');
      expect(proxy.counters).toMatchObject({ segmentsServed: 0, segmentBytes: 0 });
    } finally {
      origin.closeAllConnections();
      await new Promise((resolve) => origin.close(resolve));
    }
  });

  it('refuses a rate outside [0, 1]', () => {
    expect(() => new FaultProxy(server.url, { segment503Rate: 1.5 })).toThrow(RangeError);
  });
});
