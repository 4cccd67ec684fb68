import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildStatus, ParentMessage } from './servers/child-protocol.js';

/** The servers the benchmark can run. */
export type ServerKind = 'meshcast' | 'tracker';

const ENTRIES: Record<ServerKind, string> = {
  meshcast: fileURLToPath(new URL('servers/meshcast-server.ts', import.meta.url)),
  tracker: fileURLToPath(new URL('servers/tracker-server.ts', import.meta.url)),
};
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLOCK_TICKS_PER_SEC = 100; // USER_HZ: 100 on every Linux this runs on

/** Resident memory and CPU time of a process, from /proc. */
export interface ProcSample {
  rssBytes: number;
  /** Peak resident memory so far (VmHWM). */
  peakRssBytes: number;
  cpuSeconds: number;
}

/** utime + stime of `pid` in clock ticks; 0 if it is gone. */
function processTicks(pid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by every process but `exclude` (and their threads), for telling
 * whether something else on the machine competed with the benchmark.
 */
export function otherProcessesCpuSeconds(exclude: readonly number[]): Map<number, number> {
  const skip = new Set(exclude.map(String));
  const seconds = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || skip.has(name)) continue;
    const ticks = processTicks(name);
    if (ticks > 0) seconds.set(Number(name), ticks / CLOCK_TICKS_PER_SEC);
  }
  return seconds;
}

/** Reads VmRSS and VmHWM (/proc/<pid>/status) and utime + stime (/proc/<pid>/stat) of `pid`. */
export function sampleProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const ticks = processTicks(String(pid));
  return {
    rssBytes: kb('VmRSS'),
    peakRssBytes: kb('VmHWM'),
    cpuSeconds: ticks / CLOCK_TICKS_PER_SEC,
  };
}

/** Cumulative busy and total jiffies of each CPU (cpu0, cpu1, ...), from /proc/stat. */
export function cpuTimes(): { busy: number; total: number }[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line
        .split(/\s+/)
        .slice(1, 9)
        .map(Number) as [number, number, number, number, number, number, number, number];
      const busy = user + nice + system + irq + softirq + steal;
      return { busy, total: busy + idle + iowait };
    });
}

/**
 * One server in its own child process (so its memory and CPU are measured alone), optionally
 * pinned to one CPU with taskset.
 */
export class ServerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (status: ChildStatus) => void>();
  private exited: Promise<void>;

  private constructor(
    readonly kind: ServerKind,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: ChildMessage) => {
      if (message.type !== 'status') return;
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
  }

  /**
   * Spawns the server; `cpu` pins it (taskset -c), `nice` sets its niceness when not 0,
   * `trackerSettings` 'meshcast' gives the tracker meshcast's V8 flags. Resolves once it
   * listens. meshcast's child applies the flags it ships with itself.
   */
  static async start(
    kind: ServerKind,
    cpu: number | undefined,
    nice = 0,
    trackerSettings: 'default' | 'meshcast' = 'default',
  ): Promise<ServerProcess> {
    // e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server.
    const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const node = [process.execPath, '--expose-gc', ...extra, '--import', 'tsx', ENTRIES[kind]];
    const pinned = cpu === undefined ? node : ['taskset', '-c', String(cpu), ...node];
    const [cmd, ...args] = nice === 0 ? pinned : ['nice', '-n', String(nice), ...pinned];
    const child = spawn(cmd!, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production', BENCH_TRACKER_SETTINGS: trackerSettings },
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${kind} server did not start within 30 s`));
      }, 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${kind} server exited with code ${String(code)} before listening`));
      });
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.port);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${kind} server failed: ${message.message}`));
        }
      });
    });
    return new ServerProcess(kind, child, port);
  }

  /** The server's own pid (taskset execs node, so it is the child's). */
  get pid(): number {
    return this.child.pid!;
  }

  sample(): ProcSample {
    return sampleProc(this.pid);
  }

  /** The server's own account: swarm members and heap in use (after a full GC if `gc`). */
  status(gc = false): Promise<ChildStatus> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.kind} server did not answer within 10 s`));
      }, 10_000);
      this.waiting.set(id, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
      this.child.send({ type: 'status', id, gc } satisfies ParentMessage);
    });
  }

  /** Peers the server holds in swarms, as it counts them. */
  async members(): Promise<number> {
    return (await this.status()).members;
  }

  /** Asks the server to stop; kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
