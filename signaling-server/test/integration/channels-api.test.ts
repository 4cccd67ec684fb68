import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';

const TOKEN = 'test-admin-token-0123456789';
const NEWS = {
  id: 'news',
  name: 'News',
  sourceUrl: 'https://cdn.example/news/master.m3u8',
};

describe('channel REST API', () => {
  let server: MeshcastServer;
  let api: string;
  beforeAll(async () => {
    server = await startTestServer({ adminToken: TOKEN });
    api = `${server.url}/api/channels`;
  });
  afterAll(() => server.close());

  const send = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ): Promise<Response> =>
    fetch(`${api}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  it('refuses every write without the token or with a wrong one, and changes nothing', async () => {
    const attempts: [string, string, unknown][] = [
      ['POST', '', NEWS],
      ['PATCH', '/demo', { enabled: false }],
      ['DELETE', '/demo', undefined],
    ];
    const wrong: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
    ];
    for (const [method, path, body] of attempts) {
      for (const headers of wrong) {
        const res = await send(method, path, body, headers);
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(((await res.json()) as { error: string }).error).toMatch(/token/);
      }
    }
    const { channels } = (await (await fetch(api)).json()) as { channels: { id: string }[] };
    expect(channels.map((c) => c.id)).toEqual(['demo']);
    expect((await server.registry.get('demo'))?.enabled).toBe(true);
  });

  it('creates with defaults, reads it back, and refuses a taken id with 409', async () => {
    const res = await send('POST', '', NEWS);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/channels/news');
    const created = {
      ...NEWS,
      enabled: true,
      p2pEnabled: true,
      maxNeighbours: 8,
      allowedOrigins: [],
    };
    expect(await res.json()).toEqual(created);
    expect(await (await fetch(`${api}/news`)).json()).toEqual(created);
    const again = await send('POST', '', { ...NEWS, name: 'Other' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ id: 'news' });
  });

  it('explains invalid fields with 400 and every problem', async () => {
    const cases: [unknown, string[]][] = [
      [{ ...NEWS, id: 'Bad Slug' }, ['id']],
      [{ ...NEWS, id: 'x2', sourceUrl: 'ftp://cdn.example/a.m3u8' }, ['sourceUrl']],
      [{ ...NEWS, id: 'x3', name: '' }, ['name']],
      [{ ...NEWS, id: 'x4', maxNeighbours: 0, enabled: 'yes' }, ['enabled', 'maxNeighbours']],
      [{ ...NEWS, id: 'x5', allowedOrigins: ['https://a.example/path'] }, ['allowedOrigins.0']],
      [{ ...NEWS, id: 'x6', extra: 1 }, ['(body)']],
      [{ name: 'no id' }, ['id', 'sourceUrl']],
      [[], ['(body)']],
    ];
    for (const [body, paths] of cases) {
      const res = await send('POST', '', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = (await res.json()) as { error: string; issues: { path: string }[] };
      expect(answer.error).toBe('invalid channel');
      expect(answer.issues.map((i) => i.path).sort(), JSON.stringify(body)).toEqual(paths);
    }
    const patch = await send('PATCH', '/news', { id: 'renamed' });
    expect(patch.status).toBe(400);
    expect((await fetch(`${api}/renamed`)).status).toBe(404);
  });

  it('refuses bodies that are not JSON objects: bad JSON 400, wrong type 415, too large 413', async () => {
    const bad = await send('POST', '', '{"id": ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'the body is not valid JSON' });
    const text = await send('POST', '', JSON.stringify(NEWS), {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    const huge = await send('POST', '', { ...NEWS, id: 'huge', name: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
  });

  it('updates some fields (200), 404 for an unknown id; deletes (204) then 404', async () => {
    const res = await send('PATCH', '/news', {
      p2pEnabled: false,
      allowedOrigins: ['https://a.example'],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 'news',
      name: 'News',
      p2pEnabled: false,
      allowedOrigins: ['https://a.example'],
    });
    expect((await send('PATCH', '/nope', { enabled: false })).status).toBe(404);
    expect((await send('DELETE', '/news')).status).toBe(204);
    expect((await fetch(`${api}/news`)).status).toBe(404);
    expect((await send('DELETE', '/news')).status).toBe(404);
  });
});

describe('channels survive a restart (SQLite in DATA_DIR)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshcast-restart-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps created, changed and deleted channels, and does not seed the demo channel again', async () => {
    const first = await startTestServer({ dataDir });
    expect(first.adminTokenGenerated).toBe(true);
    expect(first.adminToken.length).toBeGreaterThanOrEqual(32);
    const auth = {
      authorization: `Bearer ${first.adminToken}`,
      'content-type': 'application/json',
    };
    const api = `${first.url}/api/channels`;
    expect(
      (await fetch(api, { method: 'POST', headers: auth, body: JSON.stringify(NEWS) })).status,
    ).toBe(201);
    await fetch(`${api}/news`, { method: 'PATCH', headers: auth, body: '{"name":"News 24"}' });
    expect((await fetch(`${api}/demo`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await first.close();

    const second = await startTestServer({ dataDir });
    // A new run without ADMIN_TOKEN gets a new token: the old one no longer works.
    expect(second.adminToken).not.toBe(first.adminToken);
    const { channels } = (await (await fetch(`${second.url}/api/channels`)).json()) as {
      channels: { id: string; name: string }[];
    };
    expect(channels).toEqual([expect.objectContaining({ id: 'news', name: 'News 24' })]);
    const stale = await fetch(`${second.url}/api/channels/news`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(stale.status).toBe(401);
    await second.close();
  });
});
