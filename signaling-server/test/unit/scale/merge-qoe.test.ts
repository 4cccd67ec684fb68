import { describe, expect, it } from 'vitest';
import type { ChannelQoePoint } from '../../../../client/src/signaling/protocol.js';
import { channelFigures } from '../../../src/qoe/channel-figures.js';
import { QoeAggregator } from '../../../src/qoe/qoe-aggregator.js';
import { mergeCurrent, mergeHistories } from '../../../src/scale/merge-qoe.js';
import { report } from '../qoe/report-fixture.js';

const rates = (cdn: number, p2p: number) => ({ cdnBytesPerSec: cdn, p2pBytesPerSec: p2p });

describe('mergeCurrent', () => {
  it('equals one server hearing every report', () => {
    const a = [
      report({ sessionId: 'viewer-1', cdnBytes: 100, p2pBytes: 300, startupMs: 500 }),
      report({ sessionId: 'viewer-2', cdnBytes: 200, p2pBytes: 0, startupMs: 900 }),
    ];
    const b = [report({ sessionId: 'viewer-3', rendition: '720p', cdnBytes: 0, p2pBytes: 400 })];
    const merged = mergeCurrent([
      { live: a.map((r) => ({ report: r, seenAt: 1 })), rates: rates(10, 20) },
      { live: b.map((r) => ({ report: r, seenAt: 1 })), rates: rates(5, 40) },
    ]);
    expect(merged).toEqual(channelFigures([...a, ...b], rates(15, 60)));
    expect(merged).toMatchObject({ viewers: 3, renditions: { '360p': 2, '720p': 1 } });
    expect(merged.offload).toBeCloseTo(700 / 1000, 4);
  });

  it('counts a viewer that moved between servers once, with its newest report', () => {
    const old = report({ sessionId: 'mover-01', p2pBytes: 100, cdnBytes: 100 });
    const fresh = report({ sessionId: 'mover-01', p2pBytes: 900, cdnBytes: 100 });
    const merged = mergeCurrent([
      { live: [{ report: fresh, seenAt: 2000 }], rates: rates(0, 0) },
      { live: [{ report: old, seenAt: 1000 }], rates: rates(0, 0) },
    ]);
    expect(merged.viewers).toBe(1);
    expect(merged.offload).toBe(0.9);
  });

  it('takes what QoeAggregator.snapshot gives', () => {
    let now = 0;
    const aggregator = new QoeAggregator(
      {},
      { now: () => now, setInterval: () => 0, clearInterval: () => undefined },
    );
    aggregator.ingest(report({ sessionId: 'viewer-1' }));
    aggregator.ingest(report({ sessionId: 'viewer-2', final: true }));
    now = 1000;
    const snapshot = aggregator.snapshot('demo');
    expect(snapshot.live.map((s) => s.report.sessionId)).toEqual(['viewer-1']);
    expect(mergeCurrent([snapshot])).toEqual(aggregator.current('demo'));
    expect(aggregator.snapshot('nothing')).toEqual({ live: [], rates: rates(0, 0) });
    aggregator.destroy();
  });
});

describe('mergeHistories', () => {
  const point = (t: number, viewers: number, offload: number | null): ChannelQoePoint => ({
    t,
    viewers,
    renditions: viewers > 0 ? { '360p': viewers } : {},
    offload,
    continuityIndex: 1,
    rebufferRatio: 0,
    startupMsP50: null,
    startupMsP95: null,
    latencySecP50: null,
    peersPerViewer: null,
    cdnBytesPerSec: 100 * viewers,
    p2pBytesPerSec: 10,
  });

  it('adds servers sampled a little apart into one point per interval', () => {
    const a = [point(10_000, 3, 0.5), point(20_000, 3, 0.6)];
    const b = [point(10_400, 1, 0.9), point(20_300, 1, null), point(30_200, 2, 0.7)];
    const merged = mergeHistories([a, b], 10_000);
    expect(merged.map((p) => p.t)).toEqual([10_400, 20_300, 30_200]);
    expect(merged.map((p) => p.viewers)).toEqual([4, 4, 2]);
    expect(merged[0]).toMatchObject({
      renditions: { '360p': 4 },
      cdnBytesPerSec: 400,
      p2pBytesPerSec: 20,
      offload: 0.6, // (3 × 0.5 + 1 × 0.9) / 4
      startupMsP50: null,
    });
    expect(merged[1]?.offload).toBe(0.6);
  });

  it('starts each merged point empty and weighs a server without viewers barely', () => {
    const a = [point(10_000, 0, 0.8), point(20_000, 0, 0.8)];
    const b = [point(10_100, 2, 0.5), point(20_100, 0, 0.4)];
    const [withViewers, without] = mergeHistories([a, b], 10_000);
    // 0.8 weighs 1e-6 against 2 viewers at 0.5; rounded to 4 decimals.
    expect(withViewers).toMatchObject({ viewers: 2, renditions: { '360p': 2 }, offload: 0.5 });
    // No viewers anywhere: the plain mean, no renditions, throughput still added.
    expect(without).toEqual({
      ...point(20_100, 0, 0.6),
      cdnBytesPerSec: 0,
      p2pBytesPerSec: 20,
    });
  });

  it('leaves a single history as it is', () => {
    const a = [point(10_000, 3, 0.5)];
    expect(mergeHistories([a, []], 10_000)).toEqual(a);
  });
});
