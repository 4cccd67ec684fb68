/**
 * Heap and RSS (both after a full GC) per held WebSocket connection of each layer of the signaling stack, each in its own
 * child process: a bare `ws` server (what bittorrent-tracker's connections start from), a bare
 * engine.io server, a bare socket.io server, and a bare socket.io server whose sockets join
 * one more room (as a meshcast viewer joins its channel room), and the meshcast server (each
 * viewer joined). Where meshcast's heap goes by object kind: `heap-per-connection.ts`.
 *
 *   node --import tsx bench/signaling/layer-heap.ts [connections=2000]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

type Layer = 'ws' | 'engine.io' | 'socket.io' | 'socket.io+room' | 'meshcast';
const LAYERS: Layer[] = ['ws', 'engine.io', 'socket.io', 'socket.io+room', 'meshcast'];

const gc = (globalThis as { gc?: () => void }).gc;
const afterGc = (): { heap: number; rss: number } => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
};

/** Child: serves one layer on 127.0.0.1, answers 'measure' with its heap after a full GC. */
async function serve(layer: Layer): Promise<void> {
  if (layer === 'meshcast') return serveMeshcast();
  const http = createServer();
  if (layer === 'ws') {
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => ws.on('message', () => undefined));
  } else if (layer === 'engine.io') {
    const { attach } = await import('engine.io');
    const engine = attach(http, { perMessageDeflate: false, httpCompression: false });
    engine.on('connection', (socket: { on(event: 'message', listener: () => void): void }) => {
      socket.on('message', () => undefined);
    });
  } else {
    const { Server } = await import('socket.io');
    const io = new Server(http, { perMessageDeflate: false, httpCompression: false });
    io.on('connection', (socket) => {
      if (layer === 'socket.io+room') void socket.join('room');
    });
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  answer((http.address() as AddressInfo).port);
}

/** The whole meshcast server (express, signaling, demo origin), as the bench runs it. */
async function serveMeshcast(): Promise<void> {
  const { DEFAULT_SERVER_CONFIG } = await import('../../signaling-server/src/config.js');
  const { createLogger } = await import('../../signaling-server/src/logger.js');
  const { startServer } = await import('../../signaling-server/src/server.js');
  const config = {
    ...DEFAULT_SERVER_CONFIG,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent' as const,
    dataDir: mkdtempSync(join(tmpdir(), 'meshcast-layer-')),
  };
  const server = await startServer({ config, logger: createLogger(config) });
  process.on('exit', () => rmSync(config.dataDir, { recursive: true, force: true }));
  answer(server.port);
}

/** Tells the parent the port, then answers 'measure' until told anything else. */
function answer(port: number): void {
  process.send?.({ port });
  process.on('message', (message) => {
    if (message === 'measure') process.send?.(afterGc());
    else process.exit(0);
  });
}

let joined = 0;

/** One client of a layer, resolved once the server holds it (a meshcast one once joined). */
function client(layer: Layer, port: number): Promise<WebSocket> {
  const path = layer === 'ws' ? '/' : layer === 'engine.io' ? '/engine.io/' : '/socket.io/';
  const query = layer === 'ws' ? '' : '?EIO=4&transport=websocket';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}${query}`, {
      perMessageDeflate: false,
      origin: `http://127.0.0.1:${port}`,
    });
    ws.on('error', reject);
    if (layer === 'ws') ws.on('open', () => resolve(ws));
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (frame === '2') ws.send('3');
      else if (layer === 'engine.io' && frame.startsWith('0')) resolve(ws);
      else if (frame.startsWith('0')) ws.send('40');
      else if (layer === 'meshcast' && frame.startsWith('40')) {
        ws.send(`421["join",{"channel":"demo","rendition":"r${joined++ % 10}"}]`);
      } else if (frame.startsWith('40') || frame.startsWith('431')) resolve(ws);
    });
  });
}

interface Memory {
  heap: number;
  rss: number;
}

async function measure(layer: Layer, connections: number): Promise<Memory> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', layer], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  const next = <T>(): Promise<T> => new Promise((resolve) => child.once('message', resolve));
  const { port } = await next<{ port: number }>();
  // Warm up (JIT, lazily built structures) before the baseline.
  const warm = await Promise.all(Array.from({ length: 50 }, () => client(layer, port)));
  for (const ws of warm) ws.terminate();
  await new Promise((r) => setTimeout(r, 200));
  child.send('measure');
  const before = await next<Memory>();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < connections; i += 100) {
    const n = Math.min(100, connections - i);
    sockets.push(...(await Promise.all(Array.from({ length: n }, () => client(layer, port)))));
  }
  child.send('measure');
  const after = await next<Memory>();
  for (const ws of sockets) ws.terminate();
  child.send('exit');
  return {
    heap: (after.heap - before.heap) / connections,
    rss: (after.rss - before.rss) / connections,
  };
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Layer);
} else {
  const connections = Number(process.argv[2] ?? 2000);
  for (const layer of LAYERS) {
    const { heap, rss } = await measure(layer, connections);
    const kib = (bytes: number): string => (bytes / 1024).toFixed(2).padStart(6);
    console.log(`${layer.padEnd(16)} heap +${kib(heap)} KiB, RSS +${kib(rss)} KiB per connection`);
  }
}
