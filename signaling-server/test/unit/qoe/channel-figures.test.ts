import { describe, expect, it } from 'vitest';
import { channelFigures, percentile, roundTo } from '../../../src/qoe/channel-figures.js';
import { report } from './report-fixture.js';

const noRates = { cdnBytesPerSec: 0, p2pBytesPerSec: 0 };

describe('percentile (nearest rank)', () => {
  it('picks ranks, handles one value and none', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([4, 1, 3, 2], 95)).toBe(4);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('roundTo', () => {
  it('rounds to steps of 1 / scale and keeps null', () => {
    expect(roundTo(0.123456, 10_000)).toBe(0.1235);
    expect(roundTo(2 / 3, 100)).toBe(0.67);
    expect(roundTo(1234.5, 1)).toBe(1235);
    expect(roundTo(null, 100)).toBeNull();
  });
});

describe('channelFigures', () => {
  it('is empty (nulls) without viewers', () => {
    expect(channelFigures([], noRates)).toEqual({
      viewers: 0,
      renditions: {},
      offload: null,
      continuityIndex: null,
      rebufferRatio: null,
      startupMsP50: null,
      startupMsP95: null,
      latencySecP50: null,
      peersPerViewer: null,
      cdnBytesPerSec: 0,
      p2pBytesPerSec: 0,
    });
  });

  it('weighs ratios by each viewer’s amounts, not by viewer', () => {
    const a = report({
      sessionId: 'aaaaaaaa',
      cdnBytes: 100,
      p2pBytes: 900,
      segmentsPlayed: 10,
      segmentsOnTime: 10,
      playMs: 9000,
      stallMs: 1000,
      startupMs: 1000,
      latencySec: 5,
      peers: 4,
    });
    const b = report({
      sessionId: 'bbbbbbbb',
      rendition: '240p',
      cdnBytes: 1000,
      p2pBytes: 0,
      segmentsPlayed: 30,
      segmentsOnTime: 20,
      playMs: 30_000,
      stallMs: 0,
      startupMs: 3000,
      latencySec: 8,
      peers: 1,
    });
    const f = channelFigures([a, b], { cdnBytesPerSec: 10.4, p2pBytesPerSec: 3 });
    expect(f.viewers).toBe(2);
    expect(f.renditions).toEqual({ '360p': 1, '240p': 1 });
    expect(f.offload).toBeCloseTo(900 / 2000, 4);
    expect(f.continuityIndex).toBeCloseTo(30 / 40, 4);
    expect(f.rebufferRatio).toBeCloseTo(1000 / 40_000, 4);
    expect(f.startupMsP50).toBe(1000);
    expect(f.startupMsP95).toBe(3000);
    expect(f.latencySecP50).toBe(5);
    expect(f.peersPerViewer).toBe(2.5);
    expect(f.cdnBytesPerSec).toBe(10);
    expect(f.p2pBytesPerSec).toBe(3);
  });

  it('leaves figures null when no viewer reported them', () => {
    const r = report({ segmentsPlayed: 0, segmentsOnTime: 0, cdnBytes: 0, playMs: 0 });
    delete r.startupMs;
    delete r.latencySec;
    const f = channelFigures([r], noRates);
    expect(f).toMatchObject({
      viewers: 1,
      offload: null,
      continuityIndex: null,
      rebufferRatio: null,
      startupMsP50: null,
      latencySecP50: null,
      peersPerViewer: 0,
    });
  });
});
