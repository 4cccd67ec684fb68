/**
 * Where a meshcast server's heap goes per signaling connection: heap snapshots of a server
 * child process before and after N viewers connect and join (socket.io's wire protocol over
 * `ws`, as the load generator speaks it), the difference per connection by object kind.
 *
 *   node --import tsx bench/signaling/heap-per-connection.ts [connections=2000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { HeapSummary } from './servers/heap-server.js';

interface Snapshot {
  heapUsed: number;
  summary: HeapSummary;
}

const connections = Number(process.argv[2] ?? 2000);
if (!Number.isInteger(connections) || connections < 1) {
  console.error('usage: heap-per-connection.ts [connections]');
  process.exit(2);
}

const child: ChildProcess = fork(
  fileURLToPath(new URL('servers/heap-server.ts', import.meta.url)),
  { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: 'inherit' },
);
const nextMessage = <T>(): Promise<T> => new Promise((resolve) => child.once('message', resolve));
const { port } = await nextMessage<{ port: number }>();
const snapshot = (): Promise<Snapshot> => {
  child.send('snapshot');
  return nextMessage<Snapshot>();
};

/** One viewer: connect, open the namespace, join a swarm, answer pings. */
function viewer(i: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
      origin: `http://127.0.0.1:${port}`,
    });
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (frame === '2') ws.send('3');
      else if (frame.startsWith('0')) ws.send('40');
      else if (frame.startsWith('40')) {
        ws.send(`421["join",{"channel":"demo","rendition":"r${i % 10}"}]`);
      } else if (frame.startsWith('431')) resolve(ws);
    });
  });
}

const before = await snapshot();
const sockets: WebSocket[] = [];
for (let i = 0; i < connections; i += 100) {
  const batch = Array.from({ length: Math.min(100, connections - i) }, (_, k) => viewer(i + k));
  sockets.push(...(await Promise.all(batch)));
}
const after = await snapshot();

const perConnection = (after.heapUsed - before.heapUsed) / connections;
console.log(`${connections} connections: heap +${(perConnection / 1024).toFixed(2)} KiB each`);
const rows = Object.entries(after.summary)
  .map(([kind, a]) => {
    const b = before.summary[kind] ?? { count: 0, bytes: 0 };
    return {
      kind,
      count: (a.count - b.count) / connections,
      bytes: (a.bytes - b.bytes) / connections,
    };
  })
  .filter((r) => Math.abs(r.bytes) >= 32)
  .sort((x, y) => y.bytes - x.bytes);
for (const r of rows.slice(0, Number(process.env.HEAP_ROWS ?? 40))) {
  console.log(`${r.bytes.toFixed(0).padStart(6)} B ${r.count.toFixed(2).padStart(6)}x  ${r.kind}`);
}
for (const ws of sockets) ws.terminate();
child.send('close');
