import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { SignalingError } from '../../src/signaling/signaling-error.js';
import { fetchEmbedChannel, EmbedError } from '../../src/embed/embed-channel.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';

// A channel's allowed embed origins, enforced on join (socket.io) and on /api/embed (HTTP).

const ALLOWED = 'https://allowed.example';

describe('allowed embed origins', () => {
  let server: MeshcastServer;
  const clients: SignalingClient[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    await server.registry.create({
      id: 'locked',
      name: 'Locked',
      sourceUrl: '/live/demo/master.m3u8',
      enabled: true,
      p2pEnabled: true,
      maxNeighbours: 8,
      allowedOrigins: [ALLOWED],
    });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });

  const client = (origin?: string): SignalingClient => {
    const c = new SignalingClient({
      url: server.url,
      socketOptions: {
        transports: ['websocket'],
        ...(origin !== undefined && { extraHeaders: { origin } }),
      },
    });
    clients.push(c);
    return c;
  };

  it('refuses a join from a page on another origin, with a reason', async () => {
    const err = await client('https://evil.example')
      .join('locked', '360p')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignalingError);
    expect(err).toMatchObject({
      code: 'origin-not-allowed',
      message: 'The channel “Locked” may not be embedded on https://evil.example.',
    });
    expect(server.signaling.stats().members).toBe(0);
  });

  it('accepts the listed origin, the server’s own origin and clients without an Origin', async () => {
    for (const origin of [ALLOWED, `${ALLOWED}:443`, server.url, undefined]) {
      const joined = await client(origin).join('locked', '360p');
      expect(joined.swarm).toBe('locked/360p');
    }
  });

  it('channels without a list accept any origin', async () => {
    const joined = await client('https://anyone.example').join('demo', '360p');
    expect(joined.swarm).toBe('demo/360p');
  });

  it('/api/embed answers a refused origin with a readable 403, and others with the channel', async () => {
    const refused = await fetch(`${server.url}/api/embed/locked`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://evil.example');
    expect(await refused.json()).toEqual({
      error: 'origin-not-allowed',
      message: 'The channel “Locked” may not be embedded on https://evil.example.',
    });

    const fetchAs =
      (origin: string): typeof fetch =>
      (input, init) =>
        fetch(input, { ...init, headers: { origin } });
    const info = await fetchEmbedChannel(server.url, 'locked', undefined, fetchAs(ALLOWED));
    expect(info).toEqual({
      id: 'locked',
      name: 'Locked',
      sourceUrl: `${server.url}/live/demo/master.m3u8`,
      enabled: true,
      p2pEnabled: true,
    });
    const denied = await fetchEmbedChannel(
      server.url,
      'locked',
      undefined,
      fetchAs('https://evil.example'),
    ).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(EmbedError);
    expect(denied).toMatchObject({ type: 'origin-not-allowed' });
    const unknown = await fetchEmbedChannel(server.url, 'nope').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ type: 'unknown-channel' });
    const unreachable = await fetchEmbedChannel('http://127.0.0.1:9', 'demo').catch(
      (e: unknown) => e,
    );
    expect(unreachable).toMatchObject({ type: 'unreachable' });
  });

  it('serves /meshcast.js to any origin', async () => {
    const res = await fetch(`${server.url}/meshcast.js`, {
      headers: { origin: 'https://anyone.example' },
    });
    expect(res.status, 'client/dist/meshcast.js is built by npm run build').toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect((await res.text()).startsWith('"use strict";var Meshcast=')).toBe(true);
  });
});
