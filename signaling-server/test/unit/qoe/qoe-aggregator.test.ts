import { describe, expect, it } from 'vitest';
import { QoeAggregator } from '../../../src/qoe/qoe-aggregator.js';
import { mergeQoeConfig, QoeConfigError } from '../../../src/qoe/qoe-config.js';
import { report } from './report-fixture.js';

/** An aggregator on a hand-driven clock; `tick(ms)` advances it and runs due samples. */
function harness(config: Parameters<typeof mergeQoeConfig>[0] = {}) {
  let now = 1_000_000;
  let timer: { fn: () => void; ms: number; next: number } | undefined;
  let cleared = 0;
  const qoe = new QoeAggregator(config, {
    now: () => now,
    setInterval: (fn, ms) => (timer = { fn, ms, next: now + ms }),
    clearInterval: (h) => {
      if (h === timer) cleared++;
    },
  });
  const tick = (ms: number): void => {
    const end = now + ms;
    while (timer && timer.next <= end) {
      now = timer.next;
      timer.next += timer.ms;
      timer.fn();
    }
    now = end;
  };
  return { qoe, tick, cleared: () => cleared, interval: () => timer?.ms };
}

describe('QoeAggregator', () => {
  it('counts a viewer until 15 s of silence, and drops it at once on a final report', () => {
    const { qoe, tick } = harness();
    qoe.ingest(report({ sessionId: 'viewer-1' }));
    qoe.ingest(report({ sessionId: 'viewer-2' }));
    expect(qoe.current('demo').viewers).toBe(2);
    tick(10_000);
    qoe.ingest(report({ sessionId: 'viewer-1', playMs: 15_000 }));
    tick(6_000); // viewer-2 silent 16 s, viewer-1 6 s
    expect(qoe.current('demo').viewers).toBe(1);
    qoe.ingest(report({ sessionId: 'viewer-1', playMs: 21_000, final: true }));
    expect(qoe.current('demo').viewers).toBe(0);
    expect(qoe.current('other').viewers).toBe(0);
  });

  it('turns byte deltas into throughput per 10 s interval', () => {
    const { qoe, tick } = harness();
    // First report at once: cumulative since start counts in this interval.
    qoe.ingest(report({ sessionId: 'viewer-1', cdnBytes: 100_000, p2pBytes: 0 }));
    tick(10_000);
    expect(qoe.current('demo')).toMatchObject({ cdnBytesPerSec: 10_000, p2pBytesPerSec: 0 });
    qoe.ingest(
      report({ sessionId: 'viewer-1', cdnBytes: 150_000, p2pBytes: 200_000, playMs: 10_000 }),
    );
    qoe.ingest(
      report({ sessionId: 'viewer-1', cdnBytes: 150_000, p2pBytes: 300_000, playMs: 12_000 }),
    );
    tick(10_000);
    expect(qoe.current('demo')).toMatchObject({ cdnBytesPerSec: 5_000, p2pBytesPerSec: 30_000 });
    expect(qoe.current('demo').offload).toBeCloseTo(300 / 450, 4);
    tick(10_000);
    expect(qoe.current('demo')).toMatchObject({ cdnBytesPerSec: 0, p2pBytesPerSec: 0 });
    expect(qoe.totals('demo')).toMatchObject({ reports: 3, cdnBytes: 150_000, p2pBytes: 300_000 });
  });

  it('never counts bytes twice: repeated reports, a beacon after the final report, a reset', () => {
    const { qoe, tick } = harness();
    qoe.ingest(report({ sessionId: 'viewer-1', cdnBytes: 1000, stalls: 1, stallMs: 500 }));
    qoe.ingest(report({ sessionId: 'viewer-1', cdnBytes: 1000, stalls: 1, stallMs: 500 }));
    qoe.ingest(
      report({ sessionId: 'viewer-1', cdnBytes: 1500, stalls: 1, stallMs: 500, final: true }),
    );
    tick(20_000);
    qoe.ingest(
      report({ sessionId: 'viewer-1', cdnBytes: 1500, stalls: 1, stallMs: 500, final: true }),
    );
    expect(qoe.totals('demo')).toMatchObject({ cdnBytes: 1500, stalls: 1, stallMs: 500 });
    // A counter that goes down means the player restarted it: count from zero again.
    qoe.ingest(report({ sessionId: 'viewer-1', cdnBytes: 200 }));
    expect(qoe.totals('demo')?.cdnBytes).toBe(1700);
  });

  it('takes a session first heard late (server restart) as a baseline, not as throughput', () => {
    const { qoe, tick } = harness();
    qoe.ingest(report({ sessionId: 'old-viewer', playMs: 600_000, cdnBytes: 50_000_000 }));
    tick(10_000);
    expect(qoe.current('demo')).toMatchObject({ viewers: 1, cdnBytesPerSec: 0 });
    qoe.ingest(report({ sessionId: 'old-viewer', playMs: 605_000, cdnBytes: 50_100_000 }));
    tick(10_000);
    expect(qoe.current('demo').cdnBytesPerSec).toBe(10_000);
  });

  it('keeps one point per interval, at most historyPoints, oldest first', () => {
    const { qoe, tick } = harness({ historyPoints: 5 });
    qoe.ingest(report({ sessionId: 'viewer-1' }));
    tick(30_000);
    const first = qoe.history('demo');
    // Silent after the first point: gone 15 s after its report.
    expect(first.map((p) => p.viewers)).toEqual([1, 0, 0]);
    expect(first[1]!.t - first[0]!.t).toBe(10_000);
    tick(100_000);
    const later = qoe.history('demo');
    expect(later).toHaveLength(5);
    expect(later[4]!.t - later[0]!.t).toBe(40_000);
    expect(qoe.history('nope')).toEqual([]);
  });

  it('by default holds an hour of 10 s points, and forgets a channel idle for that long', () => {
    const { qoe, tick, interval } = harness();
    expect(interval()).toBe(10_000);
    qoe.ingest(report({ sessionId: 'viewer-1' }));
    tick(3_600_000);
    expect(qoe.history('demo')).toHaveLength(360);
    expect(qoe.channelIds()).toEqual(['demo']);
    tick(700_000); // sessions expire after 10 min; the ring fills with empty points
    expect(qoe.channelIds()).toEqual([]);
  });

  it('moves a session that reports for another channel', () => {
    const { qoe } = harness();
    qoe.ingest(report({ sessionId: 'viewer-1', channel: 'demo' }));
    qoe.ingest(report({ sessionId: 'viewer-1', channel: 'news' }));
    expect(qoe.current('demo').viewers).toBe(0);
    expect(qoe.current('news').viewers).toBe(1);
  });

  it('refuses new sessions beyond maxSessions, but not reports of known ones', () => {
    const { qoe } = harness({ maxSessions: 2 });
    expect(qoe.ingest(report({ sessionId: 'viewer-1' }))).toBe(true);
    expect(qoe.ingest(report({ sessionId: 'viewer-2' }))).toBe(true);
    expect(qoe.ingest(report({ sessionId: 'viewer-3' }))).toBe(false);
    expect(qoe.ingest(report({ sessionId: 'viewer-1', playMs: 9000 }))).toBe(true);
  });

  it('forgets a channel, and destroy stops the timer once', () => {
    const { qoe, cleared } = harness();
    qoe.ingest(report());
    qoe.forget('demo');
    expect(qoe.totals('demo')).toBeUndefined();
    expect(qoe.current('demo').viewers).toBe(0);
    qoe.destroy();
    qoe.destroy();
    expect(cleared()).toBe(1);
    expect(qoe.ingest(report())).toBe(false);
  });

  it('validates its configuration', () => {
    expect(() => mergeQoeConfig({ sampleIntervalMs: 0 })).toThrow(QoeConfigError);
    expect(() => mergeQoeConfig({ historyPoints: 1.5 })).toThrow(/historyPoints/);
    expect(() => mergeQoeConfig({ viewerTimeoutMs: 20_000, sessionRetentionMs: 10_000 })).toThrow(
      /sessionRetentionMs/,
    );
    expect(mergeQoeConfig()).toMatchObject({ viewerTimeoutMs: 15_000, historyPoints: 360 });
  });
});
