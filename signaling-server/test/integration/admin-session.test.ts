import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';

const TOKEN = 'admin-session-test-token-42';

describe('GET /api/admin/session', () => {
  let server: MeshcastServer;
  beforeAll(async () => {
    server = await startTestServer({ adminToken: TOKEN });
  });
  afterAll(() => server.close());

  const session = (authorization?: string): Promise<Response> =>
    fetch(`${server.url}/api/admin/session`, {
      headers: authorization === undefined ? {} : { authorization },
    });

  it('accepts the admin token and changes nothing', async () => {
    const before = await server.registry.list();
    const res = await session(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true });
    expect(await server.registry.list()).toEqual(before);
  });

  it('refuses a missing or wrong token with 401 and a JSON error', async () => {
    for (const auth of [undefined, `Bearer ${TOKEN}x`, 'Bearer ', TOKEN]) {
      const res = await session(auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="meshcast"/);
      expect(((await res.json()) as { error: string }).error).toMatch(/admin token/);
    }
  });
});
