/**
 * Preload for a benchmarked server: every 500 ms, one line of `process.memoryUsage()` and
 * the size/used of each V8 heap space (MB) to `<tmpdir>/meshcast-memory-<pid>.log`, to see
 * which space a server's RSS sits in during each phase.
 *
 *   BENCH_SERVER_NODE_ARGS='--import tsx --import ./bench/signaling/memory-log.ts' \
 *     npm run bench:signaling
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';

const file = join(tmpdir(), `meshcast-memory-${process.pid}.log`);
const start = performance.now();
const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);

setInterval(() => {
  const m = process.memoryUsage();
  const spaces = getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) => `${s.space_name} ${mb(s.space_size)}/${mb(s.space_used_size)}`)
    .join(' ');
  const t = ((performance.now() - start) / 1000).toFixed(1);
  appendFileSync(
    file,
    `${t}s rss ${mb(m.rss)} heap ${mb(m.heapTotal)}/${mb(m.heapUsed)} arrayBuffers ${mb(m.arrayBuffers)} | ${spaces}\n`,
  );
}, 500).unref();
