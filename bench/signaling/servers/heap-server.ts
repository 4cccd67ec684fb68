/**
 * Child process of `heap-per-connection.ts`: one meshcast server on 127.0.0.1, port 0, that
 * answers `'snapshot'` messages with a heap summary after a full GC.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../../signaling-server/src/config.js';
import { createLogger } from '../../../signaling-server/src/logger.js';
import { startServer } from '../../../signaling-server/src/server.js';

/** Count and bytes of heap objects, per kind (constructor name, or the V8 node type). */
export type HeapSummary = Record<string, { count: number; bytes: number }>;

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'meshcast-heap-'));
const config: ServerConfig = {
  ...DEFAULT_SERVER_CONFIG,
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  dataDir: dir,
};
const server = await startServer({ config, logger: createLogger(config) });
process.send?.({ port: server.port });

function summarize(): HeapSummary {
  const file = writeHeapSnapshot(join(dir, 'server.heapsnapshot'));
  const snap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  rmSync(file);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out: HeapSummary = {};
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType!]!] ?? '?';
    const name = snap.strings[snap.nodes[i + iName!]!] ?? '';
    const kind =
      type === 'object' || type === 'native'
        ? name
        : type === 'closure'
          ? `closure ${name}`
          : type === 'array'
            ? `(array) ${name.slice(0, 30)}`
            : `(${type})`;
    const entry = (out[kind] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += snap.nodes[i + iSize!]!;
  }
  return out;
}

process.on('message', (message) => {
  if (message === 'snapshot') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    process.send?.({ heapUsed: process.memoryUsage().heapUsed, summary: summarize() });
  } else if (message === 'close') {
    void server.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
