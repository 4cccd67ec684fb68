import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';

let server: MeshcastServer;

beforeAll(async () => {
  server = await startTestServer();
  const create = async (body: object): Promise<void> => {
    const res = await fetch(`${server.url}/api/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
  };
  await create({ id: 'plain', name: 'Plain', sourceUrl: 'http://127.0.0.1:9/live/master.m3u8' });
  await create({
    id: 'tls',
    name: 'TLS',
    sourceUrl: 'https://cdn.example/live/master.m3u8',
    allowedOrigins: ['https://news.example', 'http://127.0.0.1:8000'],
  });
});

afterAll(async () => {
  await server.close();
});

/** The CSP of a response as directive -> sources. */
function csp(res: Response): Map<string, string[]> {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers', () => {
  it.each(['/', '/watch/demo', '/admin', '/demo/videojs', '/demo/embed'])(
    '%s: strict script policy, blob: media and workers, channel sources, not framable elsewhere',
    async (path) => {
      const res = await fetch(server.url + path);
      const policy = csp(res);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.get('worker-src')).toContain('blob:');
      expect(policy.get('media-src')).toContain('blob:');
      // https: covers the TLS channel; the plain-http channel's origin is named.
      expect(policy.get('connect-src')).toEqual(["'self'", 'https:', 'http://127.0.0.1:9']);
      expect(policy.get('frame-ancestors')).toEqual(["'self'"]);
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    },
  );

  it('lets anyone frame the embed page of an open channel, and only its origins otherwise', async () => {
    const open = await fetch(`${server.url}/embed/demo`);
    expect(csp(open).get('frame-ancestors')).toEqual(['*']);
    expect(open.headers.get('x-frame-options')).toBeNull();
    const restricted = await fetch(`${server.url}/embed/tls`);
    expect(csp(restricted).get('frame-ancestors')).toEqual([
      "'self'",
      'https://news.example',
      'http://127.0.0.1:8000',
    ]);
    expect(restricted.headers.get('x-frame-options')).toBeNull();
  });

  it('lets other sites load the embed script, the demo stream and the embed API', async () => {
    for (const path of ['/live/demo/master.m3u8', '/api/embed/demo', '/api/health']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('cross-origin');
    }
  });

  it('limits failed admin logins hard: past the limit even the right token is refused', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await fetch(`${server.url}/api/admin/session`, {
        headers: { authorization: 'Bearer wrong-token-wrong-token' },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    const right = await fetch(`${server.url}/api/admin/session`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(right.status).toBe(429);
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
    // Public reads and viewers' reports are not admin requests.
    expect((await fetch(`${server.url}/api/channels`)).status).toBe(200);
    const report = await fetch(`${server.url}/api/qoe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(report.status).not.toBe(429);
  });
});
