import { describe, expect, it } from 'vitest';
import { statsRows } from '../../../src/embed/embed-view.js';
import type { PlayerStats } from '../../../src/player/player.js';
import { p2pSummary } from '../../../src/player/stats-text.js';

const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;

describe('the statistics overlay', () => {
  it('shows connected peers and the connections still opening, or off', () => {
    const figures = { p2pEnabled: true, p2pBytes: 1_200_000, peers: 3, connecting: 0 };
    expect(p2pSummary(figures, mb)).toBe('1.20 MB · 3 peers');
    expect(p2pSummary({ ...figures, peers: 0, connecting: 2 }, mb)).toBe(
      '1.20 MB · 0 peers (+2 connecting)',
    );
    expect(p2pSummary({ ...figures, p2pEnabled: false, connecting: 2 }, mb)).toBe('off');
  });

  it('puts that line in the embed overlay', () => {
    const stats = {
      p2pEnabled: true,
      p2pBytes: 2_000_000,
      cdnBytes: 2_000_000,
      uploadBytes: 0,
      peers: 1,
      connecting: 1,
      stalls: 0,
      bufferSec: 4,
      latencySec: 7.5,
      rendition: '360p',
    } as PlayerStats;
    const rows = new Map(statsRows(stats));
    expect(rows.get('P2P')).toBe('2.00 MB · 1 peer (+1 connecting)');
    expect(rows.get('offload')).toBe('50 %');
  });
});
