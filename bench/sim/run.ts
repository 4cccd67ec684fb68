/**
 * meshcast swarm simulator: N viewers running the real client core (RenditionSession,
 * scheduler, segment store, CDN loader, wire codec) over simulated links and a virtual clock.
 *
 *   node --import tsx bench/sim/run.ts [--viewers 10000] [--minutes 5] [--churn 0.1]
 *     [--upload 1.2] [--seed 1] [--short] [--set scheduler.seeders=2 ...]
 *
 * Prints a table and writes bench/results/sim-<date>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, type SimResult } from './metrics.js';
import { DEFAULT_SIM_CONFIG, simulate, type SimConfig } from './simulation.js';

// Errors and AbortSignal DOMExceptions are created by the thousand and never printed.
if (!process.env.SIM_STACKS) Error.stackTraceLimit = 0;

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
  },
});

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${value}`);
  return n;
}

/** `--set scheduler.seeders=2`: a numeric override of a nested config field. */
function applySet(config: SimConfig, assignment: string): void {
  const [path, raw] = assignment.split('=');
  const value = Number(raw);
  if (!path || raw === undefined || !Number.isFinite(value)) {
    throw new Error(`--set wants section.field=number, got ${assignment}`);
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

function configFor(viewers: number, minutes: number): SimConfig {
  const config: SimConfig = structuredClone({ ...DEFAULT_SIM_CONFIG, viewers, minutes });
  config.churn = num('churn', values.churn) ?? config.churn;
  config.population.uploadMean = num('upload', values.upload) ?? config.population.uploadMean;
  config.seed = num('seed', values.seed) ?? config.seed;
  config.warmupS = num('warmup', values.warmup) ?? config.warmupS;
  config.tickMs = num('tick', values.tick) ?? config.tickMs;
  config.progressEveryS = values.quiet ? 0 : 30;
  for (const s of values.set ?? []) applySet(config, s);
  return config;
}

const runs: [number, number][] = values.short
  ? [
      [num('viewers', values.viewers) ?? 1000, num('minutes', values.minutes) ?? 2],
      ...(values.viewers === undefined ? [[10_000, 1] as [number, number]] : []),
    ]
  : [[num('viewers', values.viewers) ?? 10_000, num('minutes', values.minutes) ?? 5]];

const results: SimResult[] = [];
for (const [viewers, minutes] of runs) {
  const config = configFor(viewers, minutes);
  console.error(`sim: ${viewers} viewers, ${minutes} min measured (+${config.warmupS} s warm-up)`);
  results.push(await simulate(config));
}
console.log(formatTable(results));

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = values.out ?? join(root, 'bench', 'results', `sim-${stamp}.json`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
console.error(`wrote ${out}`);
