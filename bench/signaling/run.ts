/**
 * Signaling load test: K simulated viewers join swarms, exchange relayed signals and leave,
 * against meshcast's socket.io signaling and, side by side under the same generator,
 * bittorrent-tracker's WebSocket tracker (the one p2p-media-loader uses). Each server runs
 * in its own child process; its memory and CPU come from /proc.
 *
 * node --import tsx bench/signaling/run.ts [--short] [--peers 10000] (--help for more)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE, type SignalingBenchOptions } from './options.js';
import { formatReport } from './report.js';
import { sleep } from './latency.js';
import { runServer, type ServerResult } from './run-server.js';
import { otherProcessesCpuSeconds } from './server-process.js';

function openFileLimit(): number {
  const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

/** Pins this process (every thread) to CPU 0; false when taskset is missing or fails. */
function pinGenerator(): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU that other processes use over one second, % of one core. */
async function otherLoadPct(): Promise<number> {
  const before = otherProcessesCpuSeconds([process.pid]);
  await sleep(1000);
  let used = 0;
  for (const [pid, cpu] of otherProcessesCpuSeconds([process.pid])) {
    used += cpu - (before.get(pid) ?? 0);
  }
  return 100 * used;
}

const AUTOGROUP = '/proc/self/autogroup';

/**
 * Sets the niceness of every thread of this process and, where the kernel groups processes by
 * session (autogroup, where a thread's niceness only counts within its session), of this
 * session's group. Returns a function restoring the group's niceness, or undefined if that is
 * not allowed.
 */
function renice(nice: number): (() => void) | undefined {
  try {
    const tids = readdirSync('/proc/self/task');
    execFileSync('renice', ['-n', String(nice), '-p', ...tids], { stdio: 'ignore' });
    if (!existsSync(AUTOGROUP)) return () => undefined;
    const before = /nice (-?\d+)/.exec(readFileSync(AUTOGROUP, 'utf8'))?.[1] ?? '0';
    writeFileSync(AUTOGROUP, String(nice));
    return () => {
      writeFileSync(AUTOGROUP, before);
    };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  let options: SignalingBenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message} (--help for the options)`);
    process.exit(2);
  }
  const limit = openFileLimit();
  if (limit < options.peers + 512) {
    console.error(
      `open-file limit ${limit} is too low for ${options.peers} peers: run under ` +
        `\`ulimit -n ${options.peers + 1024}\` (or lower --peers)`,
    );
    process.exit(2);
  }
  if (options.pin && (cpus().length < 2 || !pinGenerator())) {
    console.error('cannot pin to 2 CPUs (taskset missing or fewer than 2 CPUs): running unpinned');
    options = { ...options, pin: false };
  }
  const restoreNice = options.nice === 0 ? () => undefined : renice(options.nice);
  if (!restoreNice) {
    console.error(`cannot set niceness ${options.nice} (not root?): leave out --nice`);
    process.exit(2);
  }
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const log = (line: string): void => {
    console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  };
  const busy = await otherLoadPct();
  if (busy > 10) {
    log(`WARNING: other processes use ${busy.toFixed(0)}% of a core: figures will be disturbed`);
  }
  const results: ServerResult[] = [];
  try {
    for (const kind of options.servers) results.push(await runServer(kind, options, log));
  } finally {
    restoreNice();
  }

  console.log(`\n${formatReport(results, options, date)}`);
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}signaling-${date.replace(/:/g, '-')}.json`;
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version };
  writeFileSync(file, `${JSON.stringify({ date, options, machine, results }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}

await main();
