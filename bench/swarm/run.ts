/**
 * bench/swarm — N real Chromium viewers on a live channel, CDN-only (`?p2p=0`) then meshcast,
 * in one run: offload (client and origin side) against the bound, continuity, stalls,
 * startup, latency, upload spread, CPU. Prints a table, writes JSON and an HTML chart.
 *
 *   node --import tsx bench/swarm/run.ts [--viewers 12] [--warmup 20] [--measure 90]
 *        [--source URL] [--short]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../test/support/chromium.js';
import { addTestChannel, requireBuiltPages, startTestServer } from '../../test/support/server.js';
import { closeViewers, openViewers, statsOf, waitForPlayback } from '../../test/support/viewers.js';
import { sleep } from '../../test/support/wait.js';
import { FaultProxy } from '../../test/support/fault-proxy.js';
import { CpuMeter } from '../lib/cpu.js';
import { renderChart } from './chart.js';
import { summarize, type ModeRun, type Sample } from './figures.js';
import { printTable } from './print.js';

const { values: args } = parseArgs({
  options: {
    viewers: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '20' },
    measure: { type: 'string', default: '90' },
    source: { type: 'string' },
    short: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
  },
});
const short = args.short;
const N = Number(short ? 6 : args.viewers);
const WARMUP = Number(short ? 10 : args.warmup) * 1000;
const MEASURE = Number(short ? 30 : args.measure) * 1000;
if (!(N >= 2 && WARMUP >= 0 && MEASURE >= 10_000)) {
  throw new Error('need --viewers >= 2 and --measure >= 10 (seconds)');
}

async function runMode(
  browser: Browser,
  base: string,
  channel: string,
  mode: 'cdn' | 'p2p',
  counter: () => number,
): Promise<ModeRun> {
  const query = mode === 'cdn' ? '?p2p=0' : '';
  console.error(`[${mode}] joining ${N} viewers 1 s apart…`);
  const viewers = await openViewers(browser, `${base}/watch/${channel}${query}`, N);
  await waitForPlayback(viewers, 60_000);
  console.error(`[${mode}] warm-up ${WARMUP / 1000} s, then ${MEASURE / 1000} s measured…`);
  await sleep(WARMUP);
  const cpu = new CpuMeter();
  const origin0 = counter();
  const t0 = Date.now();
  const samples: Sample[] = [];
  const first = await statsOf(viewers);
  samples.push({ t: 0, viewers: first, originBytes: 0 });
  while (Date.now() - t0 < MEASURE) {
    await sleep(Math.min(2000, MEASURE - (Date.now() - t0)));
    samples.push({
      t: (Date.now() - t0) / 1000,
      viewers: await statsOf(viewers),
      originBytes: counter() - origin0,
    });
  }
  const cpuBusy = cpu.busy();
  const errors = viewers.flatMap((v) => v.errors);
  await closeViewers(viewers);
  return { mode, viewers: N, samples, cpuBusy, errors };
}

async function main(): Promise<void> {
  requireBuiltPages();
  const server = await startTestServer({ iceCandidateFilter: 'loopback' });
  let channel = 'demo';
  let counter = (): number => server.origin.stats().segmentBytes;
  let proxy: FaultProxy | undefined;
  if (args.source) {
    // Any HLS source: a counting (fault-free) proxy in front of it, and a channel through it.
    const source = new URL(args.source);
    proxy = new FaultProxy(source.origin);
    const proxied = `${await proxy.start()}${source.pathname}${source.search}`;
    channel = 'bench';
    await addTestChannel(server, { id: channel, name: 'bench source', sourceUrl: proxied });
    const { counters } = proxy;
    counter = () => counters.segmentBytes;
  }
  const browser = await launchChromium();
  const started = new Date();
  try {
    const runs: ModeRun[] = [];
    for (const mode of ['cdn', 'p2p'] as const) {
      runs.push(await runMode(browser, server.url, channel, mode, counter));
      await sleep(3000);
    }
    const figures = runs.map((r) => summarize(r));
    printTable(figures);
    mkdirSync(args.out, { recursive: true });
    const stamp = started.toISOString().replace(/[:.]/g, '-');
    const meta = {
      date: started.toISOString(),
      source: args.source ?? 'built-in demo channel (360p/240p, 2 s segments)',
      viewers: N,
      warmupSec: WARMUP / 1000,
      measureSec: MEASURE / 1000,
      machine: `${(await import('node:os')).cpus().length} cores, node ${process.version}`,
    };
    writeFileSync(
      `${args.out}/swarm-${stamp}.json`,
      JSON.stringify({ meta, figures, runs }, null, 2),
    );
    writeFileSync(`${args.out}/swarm-${stamp}.html`, renderChart(meta, runs));
    console.log(`\nwrote ${args.out}/swarm-${stamp}.json and .html`);
  } finally {
    await browser.close();
    await proxy?.stop();
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
