/**
 * meshcast swarm simulator: N viewers running the real client core (RenditionSession,
 * scheduler, segment store, CDN loader, wire codec) over simulated links and a virtual clock.
 *
 *   node --import tsx bench/sim/run.ts [--viewers 10000] [--minutes 5] [--churn 0.1]
 *     [--upload 1.2] [--seed 1] [--warmup 60] [--tick 250] [--short]
 *     [--set scheduler.seeders=2 --set liveSyncSegments=4 ...] [--out file.json]
 *     [--regions 3]   (viewers in 3 regions: random vs locality-aware neighbours, side by side)
 *
 * The simulator is bundled with esbuild first (tsx keeps function names, which makes the
 * scheduler's closures 3-4x slower) and runs in worker threads, so `--short` runs its 1k and
 * 10k cases side by side on two cores. Prints a table and writes bench/results/sim-<date>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { formatTable, type SimResult } from './metrics.js';
import { regionPair } from './regions.js';
import { DEFAULT_SIM_CONFIG, type SimConfig } from './simulation.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string' },
    minutes: { type: 'string' },
    churn: { type: 'string' },
    upload: { type: 'string' },
    seed: { type: 'string' },
    warmup: { type: 'string' },
    tick: { type: 'string' },
    short: { type: 'boolean', default: false },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    regions: { type: 'string' },
  },
});

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${value}`);
  return n;
}

/** `--set scheduler.seeders=2`: a numeric override of a (nested) config field. */
function applySet(config: SimConfig, assignment: string): void {
  const [path, raw] = assignment.split('=');
  const value = Number(raw);
  if (!path || raw === undefined || Number.isNaN(value)) {
    throw new Error(`--set wants field.path=number, got ${assignment}`);
  }
  const keys = path.split('.');
  let target = config as unknown as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    const next = target[k];
    if (typeof next !== 'object' || next === null) throw new Error(`--set: no section ${k}`);
    target = next as Record<string, unknown>;
  }
  target[keys.at(-1)!] = value;
}

function configFor(viewers: number, minutes: number, warmupS: number): SimConfig {
  const config: SimConfig = structuredClone({ ...DEFAULT_SIM_CONFIG, viewers, minutes });
  config.churn = num('churn', values.churn) ?? config.churn;
  config.population.uploadMean = num('upload', values.upload) ?? config.population.uploadMean;
  config.seed = num('seed', values.seed) ?? config.seed;
  config.warmupS = num('warmup', values.warmup) ?? warmupS;
  config.tickMs = num('tick', values.tick) ?? config.tickMs;
  config.progressEveryS = values.quiet ? 0 : 30;
  for (const s of values.set ?? []) applySet(config, s);
  return config;
}

// --short: 1k viewers for 2 min and 3k for 1 min (after 40 s of warm-up), side by side.
const viewers = num('viewers', values.viewers);
const minutes = num('minutes', values.minutes);
const single: SimConfig[] = values.short
  ? [
      configFor(viewers ?? 1000, minutes ?? 2, 40),
      ...(viewers === undefined ? [configFor(3000, minutes ?? 1, 40)] : []),
    ]
  : [configFor(viewers ?? 10_000, minutes ?? 5, DEFAULT_SIM_CONFIG.warmupS)];
// --regions K: each case twice side by side, random neighbours vs locality-aware ones.
const regions = num('regions', values.regions);
const configs = regions === undefined ? single : single.flatMap((c) => regionPair(c, regions));

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
// Inside node_modules so that the bundle's external imports (debug, simple-peer) resolve.
const bundle = join(root, 'node_modules', '.cache', 'meshcast-sim', 'worker.mjs');
await build({
  entryPoints: [join(here, 'worker.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: bundle,
  logLevel: 'warning',
});

const started = performance.now();
const results = await Promise.all(
  configs.map((config) => {
    console.error(
      `sim: ${config.viewers} viewers, ${config.minutes} min measured after ${config.warmupS} s`,
    );
    return new Promise<SimResult>((resolve, reject) => {
      // A larger young generation: the core allocates a lot of short-lived objects per
      // scheduler pass, and scavenges then cost ~15 % less.
      const worker = new Worker(bundle, {
        workerData: config,
        resourceLimits: { maxYoungGenerationSizeMb: 192 },
      });
      worker.once('message', (r: SimResult) => {
        resolve(r);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`simulation worker exited with code ${code}`));
      });
    });
  }),
);
console.log(formatTable(results));
console.error(`total wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = values.out ?? join(root, 'bench', 'results', `sim-${stamp}.json`);
await mkdir(dirname(out), { recursive: true });
const json = JSON.stringify({ date: new Date().toISOString(), results }, (_k, v: unknown) =>
  v === Infinity ? 'Infinity' : v,
);
await writeFile(out, json);
console.error(`wrote ${out}`);
