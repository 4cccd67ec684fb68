import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server, type ServerOptions } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import type { SignalingClientConfig } from '../../src/signaling/signaling-client-config.js';

/**
 * Which transport the signaling client connects over, against a real socket.io server on
 * port 0: WebSocket first by default, long-polling when the server refuses WebSocket or when
 * the WebSocket never answers, and the caller's `socketOptions.transports` as given.
 */

interface Harness {
  url: string;
  /** engine.io transport names of each request, in arrival order (`?transport=`). */
  requests: string[];
  /** Transport of each socket.io connection when it connected. */
  connectedOver: string[];
}

const closers: (() => Promise<void>)[] = [];
const clients: SignalingClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const close of closers.splice(0)) await close();
});

const transportOf = (req: IncomingMessage): string =>
  new URL(req.url ?? '/', 'http://x').searchParams.get('transport') ?? '?';

/** A socket.io server; `swallowUpgrades` holds WebSocket upgrades open without an answer. */
async function startServer(
  options: Partial<ServerOptions> = {},
  swallowUpgrades = false,
): Promise<Harness> {
  const http: HttpServer = createServer();
  const requests: string[] = [];
  const connectedOver: string[] = [];
  const io = new Server(http, options);
  io.on('connection', (socket) => connectedOver.push(socket.conn.transport.name));
  const held: Duplex[] = [];
  // engine.io wraps the request listeners it finds when it attaches: ours go in after it.
  if (swallowUpgrades) {
    http.removeAllListeners('upgrade');
    http.on('upgrade', (_req: IncomingMessage, socket: Duplex) => held.push(socket));
  }
  http.prependListener('request', (req) => requests.push(transportOf(req)));
  http.prependListener('upgrade', (req: IncomingMessage, socket: Duplex) => {
    requests.push(transportOf(req));
    // Alone (engine.io serving no WebSocket), refuse it as Node does with no listener.
    if (http.listenerCount('upgrade') === 1) socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of held) s.destroy();
    http.closeAllConnections(); // the polling client's idle keep-alive connections
    await io.close();
  });
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, connectedOver };
}

/** Resolves once connected, with the errors the client reported on the way. */
function connect(url: string, config: Partial<SignalingClientConfig> = {}): Promise<string[]> {
  const client = new SignalingClient({ url, ...config });
  clients.push(client);
  const errors: string[] = [];
  client.on('error', (err) => errors.push(err.message));
  return new Promise((resolve) => client.once('connect', () => resolve(errors)));
}

describe('signaling client transports', () => {
  it('connects over WebSocket first, with no long-polling request', async () => {
    const h = await startServer();
    await connect(h.url);
    expect(h.connectedOver).toEqual(['websocket']);
    expect(h.requests).toEqual(['websocket']);
  });

  it('falls back to long-polling when the server refuses WebSocket', async () => {
    const h = await startServer({ transports: ['polling'] });
    // In the same attempt: no connect error, no reconnection delay.
    expect(await connect(h.url)).toEqual([]);
    expect(h.connectedOver).toEqual(['polling']);
    expect(h.requests[0]).toBe('websocket');
    expect(h.requests.slice(1)).not.toContain('websocket');
    expect(h.requests).toContain('polling');
  });

  it('retries in the classic order when the WebSocket never answers', async () => {
    const h = await startServer({}, true);
    // The attempt over the silent WebSocket times out; the next one starts with polling.
    const errors = await connect(h.url, {
      socketOptions: { timeout: 500, reconnectionDelay: 50, reconnectionDelayMax: 50 },
    });
    expect(errors).toEqual(['cannot connect: timeout']);
    expect(h.connectedOver).toEqual(['polling']);
    expect(h.requests[0]).toBe('websocket');
    expect(h.requests[1]).toBe('polling');
  });

  it("keeps the caller's socketOptions.transports", async () => {
    const h = await startServer();
    await connect(h.url, { socketOptions: { transports: ['polling', 'websocket'] } });
    expect(h.connectedOver).toEqual(['polling']);
    expect(h.requests[0]).toBe('polling');
  });
});
