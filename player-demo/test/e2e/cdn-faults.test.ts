import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useE2eFixture } from '../../../test/support/e2e-fixture.js';
import { FaultProxy } from '../../../test/support/fault-proxy.js';
import { addTestChannel } from '../../../test/support/server.js';
import { sleep } from '../../../test/support/wait.js';
import {
  closeViewers,
  measureWindow,
  openViewer,
  totalOf,
  type Viewer,
} from '../../../test/support/viewers.js';

/**
 * A flaky CDN: a proxy in front of the origin answers 20 % of the segment requests with 503.
 * P2P viewers (and, beside them for comparison, CDN-only viewers) play through it. The segment
 * responses of each viewer are logged, so that every 503 it saw is classed as covered by a peer
 * (the segment was never fetched from the CDN again) or retried (a later CDN fetch succeeded).
 */
const P2P_VIEWERS = 6;
const CDN_VIEWERS = 3;
const FAULT_RATE = 0.2;
const WARMUP_MS = 10_000;
const MEASURE_MS = 60_000;

interface FetchRecord {
  path: string;
  status: number;
}

/** A `prepare` hook for openViewer that logs the context's segment responses into `log`. */
function logSegmentResponses(log: FetchRecord[]) {
  return (context: BrowserContext): Promise<void> => {
    context.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.startsWith('/live/') && !path.endsWith('.m3u8')) {
        log.push({ path, status: response.status() });
      }
    });
    return Promise.resolve();
  };
}

/** 503s this page saw: those fetched again with success (retried), and the others (peers). */
function classify(log: readonly FetchRecord[]): { failed: number; retried: number; peer: number } {
  let failed = 0;
  let retried = 0;
  log.forEach((r, i) => {
    if (r.status !== 503) return;
    failed++;
    if (log.slice(i + 1).some((l) => l.path === r.path && l.status < 300)) retried++;
  });
  return { failed, retried, peer: failed - retried };
}

const e2e = useE2eFixture();
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = new FaultProxy(e2e.server.url, { segment503Rate: FAULT_RATE });
  const proxied = await proxy.start();
  await addTestChannel(e2e.server, {
    id: 'flaky',
    name: 'demo through a flaky CDN',
    sourceUrl: `${proxied}/live/demo/master.m3u8`,
  });
});

afterAll(async () => {
  await proxy.stop();
});

describe('CDN answering 503 to 20 % of segment requests', () => {
  it('P2P viewers do not stall; peers cover part of the failures', async () => {
    const p2p: Viewer[] = [];
    const cdn: Viewer[] = [];
    const p2pLogs: FetchRecord[][] = [];
    const cdnLogs: FetchRecord[][] = [];
    const open = async (query: string, logs: FetchRecord[][]): Promise<Viewer> => {
      const log: FetchRecord[] = [];
      logs.push(log);
      return openViewer(
        e2e.browser,
        `${e2e.server.url}/watch/flaky${query}`,
        logSegmentResponses(log),
      );
    };
    for (let i = 0; i < P2P_VIEWERS; i++) {
      p2p.push(await open('', p2pLogs));
      if (i < CDN_VIEWERS) cdn.push(await open('?p2p=0', cdnLogs));
      await sleep(700);
    }
    const all = [...p2p, ...cdn];
    const allLogs = [...p2pLogs, ...cdnLogs];
    let logLength: number[] = [];
    let faultsBefore = { ...proxy.counters };
    const { deltas } = await measureWindow(all, {
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      onStart: () => {
        logLength = allLogs.map((l) => l.length);
        faultsBefore = { ...proxy.counters };
      },
    });
    const logs = allLogs.map((l, i) => l.slice(logLength[i]));
    const p2pDeltas = deltas.slice(0, P2P_VIEWERS);
    const cdnDeltas = deltas.slice(P2P_VIEWERS);
    const sum = (xs: { failed: number; retried: number; peer: number }[]) =>
      xs.reduce((a, x) => ({
        failed: a.failed + x.failed,
        retried: a.retried + x.retried,
        peer: a.peer + x.peer,
      }));
    const p2pFaults = sum(logs.slice(0, P2P_VIEWERS).map(classify));
    const cdnFaults = sum(logs.slice(P2P_VIEWERS).map(classify));
    const p2pBytes = totalOf(p2pDeltas, 'p2pBytes');
    const cdnBytes = totalOf(p2pDeltas, 'cdnBytes');
    const injected = proxy.counters.injected503 - faultsBefore.injected503;
    const requests = proxy.counters.segmentRequests - faultsBefore.segmentRequests;
    console.log(
      `cdn-faults e2e: proxy answered 503 to ${injected}/${requests} segment requests; ` +
        `p2p viewers saw ${p2pFaults.failed} 503s: ${p2pFaults.peer} covered by peers, ` +
        `${p2pFaults.retried} retried on the CDN; cdn-only viewers saw ${cdnFaults.failed} ` +
        `(${cdnFaults.retried} retried); offload ${((100 * p2pBytes) / (p2pBytes + cdnBytes)).toFixed(1)}%; ` +
        `stalls p2p ${p2pDeltas.map((d) => d.stalls).join('/')}, cdn-only ${cdnDeltas.map((d) => d.stalls).join('/')}`,
    );
    expect(injected).toBeGreaterThan(0);
    expect(p2pFaults.failed).toBeGreaterThan(0);
    expect(p2pBytes).toBeGreaterThan(0);
    for (const [i, d] of p2pDeltas.entries()) {
      expect(d.stalls, `p2p viewer ${i} stalls`).toBe(0);
      expect(d.mediaSec, `p2p viewer ${i} played`).toBeGreaterThan((MEASURE_MS / 1000) * 0.95);
    }
    for (const v of all) expect(v.errors).toEqual([]);
    await closeViewers(all);
  });
});
