import type { LatencySummary } from './latency.js';
import type { SignalingBenchOptions } from './options.js';
import type { PhaseCost } from './phase-cost.js';
import type { ServerResult } from './run-server.js';
import { SERVER_V8_FLAGS } from '../../signaling-server/src/process-settings.js';

const MB = 2 ** 20;
const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const lat = (l: LatencySummary): string => `${f2(l.p50)} / ${f2(l.p99)} / ${f1(l.max)}`;
const pct = (n: number): string => `${f0(n)}%`;
const loopDelay = (c: PhaseCost): string =>
  `${f1(c.generatorLoopDelayMs.p99)} / ${f1(c.generatorLoopDelayMs.max)}`;

/** The rows of the side-by-side table: a label and one cell per server. */
function rows(r: ServerResult[], o: SignalingBenchOptions): [string, ...string[]][] {
  const row = (label: string, cell: (x: ServerResult) => string): [string, ...string[]] => [
    label,
    ...r.map(cell),
  ];
  return [
    row(`peers held (of ${o.peers})`, (x) => `${f0(x.ramp.held)} (${x.ramp.failed} failed)`),
    row('swarm members the server counts', (x) => f0(x.serverMembers)),
    row(`joins/s (${o.concurrency} in flight)`, (x) => f0(x.ramp.joinsPerSec)),
    row('join ms p50 / p99 / max', (x) => lat(x.ramp.joinMs)),
    row('handshake msgs relayed (ramp)', (x) => f0(x.ramp.handshakes)),
    row('handshake relay ms p50 / p99 / max', (x) => lat(x.ramp.handshakeMs)),
    row('server CPU during ramp', (x) => pct(x.ramp.cost.serverCpuPct)),
    row('server CPU ms per join', (x) => f2((1000 * x.ramp.cost.serverCpuSeconds) / x.ramp.held)),
    row(`relay ms p50 / p99 / max @ ${o.rate}/s`, (x) => lat(x.steady.latencyMs)),
    row('  delivered / sent', (x) => `${f0(x.steady.delivered)} / ${f0(x.steady.sent)}`),
    row(`  server CPU @ ${o.rate}/s`, (x) => pct(x.steady.cost.serverCpuPct)),
    row('  generator loop delay ms p99 / max', (x) => loopDelay(x.steady.cost)),
    row(`saturation msgs/s (${o.window} in flight)`, (x) => f0(x.saturation.deliveredPerSec)),
    row('  bound by', (x) => x.saturation.bound),
    row('  server / generator CPU', (x) =>
      [x.saturation.cost.serverCpuPct, x.saturation.cost.generatorCpuPct].map(pct).join(' / '),
    ),
    row('  server CPU µs per relayed msg', (x) =>
      f1((1e6 * x.saturation.cost.serverCpuPct) / 100 / x.saturation.deliveredPerSec),
    ),
    row('  CPU0 / CPU1 busy (incl. kernel)', (x) =>
      x.saturation.cost.cpuBusyPct.map(pct).join(' / '),
    ),
    row('  relay ms p50 / p99 / max', (x) => lat(x.saturation.latencyMs)),
    row(
      '  lost / server errors',
      (x) => `${f0(x.saturation.lost)} / ${f0(x.saturation.serverErrors)}`,
    ),
    row('server RSS idle, after GC (MB)', (x) => f1(x.memory.idleRssBytes / MB)),
    row(`server RSS with peers held, after GC (MB)`, (x) => f1(x.memory.loadedRssBytes / MB)),
    row('server RSS per 1k peers (MB)', (x) => f2(x.memory.rssPer1kPeersBytes / MB)),
    row('  of which V8 heap per 1k peers (MB)', (x) => f2(x.memory.heapPer1kPeersBytes / MB)),
    row('  V8 heap committed per 1k peers (MB)', (x) => f2(x.memory.heapTotalPer1kPeersBytes / MB)),
    row('server peak RSS (MB)', (x) => f1(x.memory.peakRssBytes / MB)),
    ...(o.quietSeconds > 0
      ? [
          row(`server RSS per 1k peers after ${o.quietSeconds} s quiet, no GC forced (MB)`, (x) =>
            f2((x.memory.quietRssPer1kPeersBytes ?? NaN) / MB),
          ),
        ]
      : []),
    row(`leaves/s (${o.concurrency} in flight)`, (x) => f0(x.leave.leavesPerSec)),
    row('members left after leave', (x) => f0(x.leave.membersAfter)),
    row('server CPU seconds, whole run', (x) => f1(x.serverCpuSeconds)),
    row('other processes CPU, max phase', (x) =>
      pct(Math.max(...[x.ramp, x.steady, x.saturation, x.leave].map((p) => p.cost.otherCpuPct))),
    ),
  ];
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The targets of the issue, when both servers ran. */
function verdicts(r: ServerResult[]): string[] {
  const m = r.find((x) => x.server === 'meshcast');
  const t = r.find((x) => x.server === 'tracker');
  if (!m || !t) return [];
  const mark = (ok: boolean): string => (ok ? 'met   ' : 'MISSED');
  const lines = [
    `${mark(m.steady.latencyMs.p99 <= t.steady.latencyMs.p99)} relay p99 no worse than the tracker's ` +
      `(${f2(m.steady.latencyMs.p99)} vs ${f2(t.steady.latencyMs.p99)} ms)`,
    `${mark(m.memory.rssPer1kPeersBytes <= t.memory.rssPer1kPeersBytes)} server RSS per 1k peers no ` +
      `worse (${f2(m.memory.rssPer1kPeersBytes / MB)} vs ${f2(t.memory.rssPer1kPeersBytes / MB)} MB)`,
    `${mark(m.saturation.deliveredPerSec > t.saturation.deliveredPerSec)} higher saturation throughput ` +
      `(${f0(m.saturation.deliveredPerSec)} vs ${f0(t.saturation.deliveredPerSec)} msgs/s)`,
  ];
  return lines;
}

/** Honesty notes: a saturation figure not set by the server, other load on the machine. */
function notes(r: ServerResult[]): string[] {
  const lines: string[] = [];
  for (const x of r) {
    const b = x.saturation.bound;
    if (b === 'generator' || b === 'neither') {
      lines.push(
        `note: ${x.server}'s saturation figure is ${b === 'generator' ? 'generator-bound' : 'bound by neither CPU (window too small?)'}: ` +
          'the server may relay more than this.',
      );
    } else if (b === 'both') {
      lines.push(
        `note: ${x.server}: both CPUs were at their limit while saturating: the figure is as much ` +
          "the generator's as the server's; compare the CPU µs per message.",
      );
    }
    if (x.steady.cost.generatorLoopDelayMs.p99 > 20) {
      lines.push(
        `note: ${x.server}: the generator's event loop lagged (p99 ` +
          `${f1(x.steady.cost.generatorLoopDelayMs.p99)} ms) in the latency phase: the relay ` +
          'latencies include that delay.',
      );
    }
    const phases = { ramp: x.ramp, steady: x.steady, saturation: x.saturation, leave: x.leave };
    const busy = Object.entries(phases).filter(([, p]) => p.cost.otherCpuPct > 10);
    if (busy.length > 0) {
      lines.push(
        `WARNING: ${x.server}: the machine was not quiet; other processes used ` +
          busy.map(([name, p]) => `${f0(p.cost.otherCpuPct)}% of a core in ${name}`).join(', ') +
          ': those figures are disturbed.',
      );
    }
  }
  return lines;
}

/** The printed report: what ran, the side-by-side table, the targets. */
export function formatReport(
  results: ServerResult[],
  options: SignalingBenchOptions,
  date: string,
): string {
  const cpus = options.pin
    ? 'server pinned to CPU 1, generator (this process, all peers) to CPU 0'
    : 'unpinned: server and generator (this process, all peers) share both CPUs';
  const client =
    options.meshcastClient === 'ws' ? "socket.io's wire protocol on ws" : 'socket.io-client';
  return [
    `signaling bench ${date}${options.short ? ' (short)' : ''}: ${options.peers} peers in ` +
      `${options.swarms} swarms, ${options.offers} offers per join, ${options.payloadBytes} B payload`,
    `2 cores: ${cpus}${options.nice === 0 ? '' : `; both at niceness ${options.nice}`}.`,
    'join     = meshcast `join` + a `signal` offer to each neighbour | tracker `announce` started',
    '           carrying the offers (it forwards them to random members); each offer is answered',
    'relay    = meshcast `signal` to a neighbour | tracker `announce` with `answer` + `to_peer_id`',
    "           (the tracker's only point-to-point relay)",
    `clients  = meshcast: ${client}; tracker: ws`,
    `V8 flags = meshcast: ${SERVER_V8_FLAGS.join(' ') || 'none'} (shipped); tracker: ` +
      (options.trackerSettings === 'meshcast' ? 'the same' : "node's defaults") +
      (process.env.BENCH_SERVER_NODE_ARGS
        ? `; both also run with BENCH_SERVER_NODE_ARGS='${process.env.BENCH_SERVER_NODE_ARGS}' (its flags win)`
        : ''),
    '',
    table(
      ['', ...results.map((r) => (r.server === 'tracker' ? 'bittorrent-tracker' : r.server))],
      rows(results, options),
    ),
    '',
    ...verdicts(results),
    ...notes(results),
  ].join('\n');
}
