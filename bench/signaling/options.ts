import { parseArgs } from 'node:util';
import type { ServerKind } from './server-process.js';

/** How the meshcast viewers talk socket.io: a direct wire client on `ws`, or socket.io-client. */
export type MeshcastClient = 'ws' | 'socket.io-client';

/** Settings of one benchmark run; `--short` swaps in the short defaults. */
export interface SignalingBenchOptions {
  /** Peers connected and joined in the ramp. @default 10000 (short: 2000) */
  peers: number;
  /** Swarms the peers are spread over (renditions r0.. / info hashes). @default 10 */
  swarms: number;
  /** Offers each joining peer sends: meshcast's neighbours, the tracker's numwant. @default 8 */
  offers: number;
  /** Joins (and leaves) in flight during the ramp. @default 200 */
  concurrency: number;
  /** Fixed probe rate of the latency phase, messages/s. @default 2000 */
  rate: number;
  /** Length of the latency phase. @default 15 (short: 5) */
  steadySeconds: number;
  /** Length of the saturation phase, after 1 s of warm-up. @default 15 (short: 5) */
  saturationSeconds: number;
  /** Probes kept in flight in the saturation phase. @default 2000 */
  window: number;
  /** Filler SDP per relayed message, bytes. @default 400 */
  payloadBytes: number;
  /** Longest wait for the join handshakes to drain after the ramp. @default 10000 */
  settleMs: number;
  /**
   * After saturating, peers still held, wait this long with no traffic but pings and sample
   * RSS without forcing a GC: what V8's own memory reducer leaves, as a long-running server
   * would hold. 0 skips it. @default 0
   */
  quietSeconds: number;
  /** Servers to run, in order. @default ['meshcast', 'tracker'] */
  servers: ServerKind[];
  /** Pin the server to CPU 1 and the generator to CPU 0 (taskset). @default true */
  pin: boolean;
  /**
   * Niceness of the server and the generator (negative needs root): on a machine shared with
   * other work, a negative value keeps that work from taking the benchmark's CPU. @default 0
   */
  nice: number;
  meshcastClient: MeshcastClient;
  /**
   * V8 flags of the tracker's process: its own defaults, or meshcast's shipped
   * `SERVER_V8_FLAGS` (signaling-server/src/process-settings.ts) for a like-for-like look.
   * meshcast always runs with its shipped flags. @default 'default'
   */
  trackerSettings: 'default' | 'meshcast';
  short: boolean;
}

export const DEFAULT_SIGNALING_BENCH_OPTIONS: SignalingBenchOptions = {
  peers: 10_000,
  swarms: 10,
  offers: 8,
  concurrency: 200,
  rate: 2000,
  steadySeconds: 15,
  saturationSeconds: 15,
  window: 2000,
  payloadBytes: 400,
  settleMs: 10_000,
  quietSeconds: 0,
  servers: ['meshcast', 'tracker'],
  pin: true,
  nice: 0,
  meshcastClient: 'ws',
  trackerSettings: 'default',
  short: false,
};

const SHORT: Partial<SignalingBenchOptions> = {
  peers: 2000,
  steadySeconds: 5,
  saturationSeconds: 5,
};

export const USAGE = `usage: node --import tsx bench/signaling/run.ts [options]
  --short                 2000 peers, 5 s phases (what npm run bench runs)
  --peers N               peers to connect and join (default 10000)
  --swarms N              swarms to spread them over (default 10)
  --offers N              offers per join: neighbours / numwant (default 8)
  --concurrency N         joins in flight during the ramp (default 200)
  --rate N                probes/s in the latency phase (default 2000)
  --steady-seconds N      latency phase length (default 15)
  --saturation-seconds N  saturation phase length (default 15)
  --window N              probes in flight when saturating (default 2000)
  --payload-bytes N       filler SDP per message (default 400)
  --quiet-seconds N       after saturating, wait N s (peers held, no forced GC) and report
                          the RSS the server settles at (default 0: skip)
  --server NAME           meshcast or tracker; repeat for both (default both)
  --no-pin                do not pin server and generator to separate CPUs
  --nice N                run server and generator at niceness N (e.g. --nice=-10 as root on a
                          machine busy with other work; the report says so)
  --meshcast-client C     ws (default) or socket.io-client
  --tracker-settings S    default, or meshcast: the tracker runs with the V8 flags meshcast
                          ships with (signaling-server/src/process-settings.ts)`;

/** Parses the command line; throws with a message on a bad value. */
export function parseOptions(argv: string[]): SignalingBenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      short: { type: 'boolean' },
      peers: { type: 'string' },
      swarms: { type: 'string' },
      offers: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      'steady-seconds': { type: 'string' },
      'saturation-seconds': { type: 'string' },
      window: { type: 'string' },
      'payload-bytes': { type: 'string' },
      'quiet-seconds': { type: 'string' },
      server: { type: 'string', multiple: true },
      'no-pin': { type: 'boolean' },
      nice: { type: 'string' },
      'meshcast-client': { type: 'string' },
      'tracker-settings': { type: 'string' },
    },
  });
  const base = { ...DEFAULT_SIGNALING_BENCH_OPTIONS, ...(values.short ? SHORT : {}) };
  const int = (name: string, value: string | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const servers: string[] = values.server ?? base.servers;
  for (const s of servers) {
    if (s !== 'meshcast' && s !== 'tracker') throw new Error(`--server: unknown server '${s}'`);
  }
  const client = values['meshcast-client'] ?? base.meshcastClient;
  if (client !== 'ws' && client !== 'socket.io-client') {
    throw new Error(`--meshcast-client must be ws or socket.io-client`);
  }
  const trackerSettings = values['tracker-settings'] ?? base.trackerSettings;
  if (trackerSettings !== 'default' && trackerSettings !== 'meshcast') {
    throw new Error(`--tracker-settings must be default or meshcast`);
  }
  return {
    peers: int('peers', values.peers, base.peers, 2),
    swarms: int('swarms', values.swarms, base.swarms, 1),
    offers: int('offers', values.offers, base.offers, 1),
    concurrency: int('concurrency', values.concurrency, base.concurrency, 1),
    rate: int('rate', values.rate, base.rate, 1),
    steadySeconds: int('steady-seconds', values['steady-seconds'], base.steadySeconds, 1),
    saturationSeconds: int(
      'saturation-seconds',
      values['saturation-seconds'],
      base.saturationSeconds,
      1,
    ),
    window: int('window', values.window, base.window, 1),
    payloadBytes: int('payload-bytes', values['payload-bytes'], base.payloadBytes, 0),
    settleMs: base.settleMs,
    quietSeconds: int('quiet-seconds', values['quiet-seconds'], base.quietSeconds, 0),
    servers: servers as ServerKind[],
    pin: !values['no-pin'],
    nice: int('nice', values.nice, base.nice, -20),
    meshcastClient: client,
    trackerSettings,
    short: values.short ?? false,
  };
}
