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
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** With HEAP_BY_OWNER=1, each kind is suffixed with one retainer's kind and edge name. */
const ownerDepth = Number(process.env.HEAP_BY_OWNER ?? 0);
const byOwner = ownerDepth > 0;

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
  const kindOf = (i: number): string => {
    const type = types[snap.nodes[i + iType!]!] ?? '?';
    const name = snap.strings[snap.nodes[i + iName!]!] ?? '';
    return type === 'object' || type === 'native'
      ? name
      : type === 'closure'
        ? `closure ${name}`
        : type === 'array'
          ? `(array) ${name.slice(0, 30)}`
          : `(${type})`;
  };
  const owner = byOwner ? owners(snap) : undefined;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    let kind = kindOf(i);
    let o = owner?.get(i);
    for (let depth = 0; o && depth < ownerDepth; depth++) {
      kind += ` <- ${kindOf(o.from)}.${o.edge}`;
      o = owner?.get(o.from);
    }
    const entry = (out[kind] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += snap.nodes[i + iSize!]!;
  }
  return out;
}

/** One retainer (the first non-weak edge found) of each node, by node offset. */
function owners(snap: HeapSnapshot): Map<number, { from: number; edge: string }> {
  const nf = snap.snapshot.meta.node_fields;
  const ef = snap.snapshot.meta.edge_fields;
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const iCount = nf.indexOf('edge_count');
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const out = new Map<number, { from: number; edge: string }>();
  let e = 0;
  for (let i = 0; i < snap.nodes.length; i += nf.length) {
    const count = snap.nodes[i + iCount]!;
    for (let k = 0; k < count; k++, e += ef.length) {
      const type = edgeTypes[snap.edges[e + eType!]!];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = snap.edges[e + eTo!]!;
      if (out.has(to)) continue;
      const raw = snap.edges[e + eName!]!;
      const edge = type === 'element' || type === 'hidden' ? `[${raw}]` : (snap.strings[raw] ?? '');
      out.set(to, { from: i, edge });
    }
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
