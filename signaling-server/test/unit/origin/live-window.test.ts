import { describe, expect, it } from 'vitest';
import {
  clipIndexOf,
  isSegmentAvailable,
  liveWindowAt,
  renderMediaPlaylist,
  renderMultivariantPlaylist,
} from '../../../src/origin/live-window.js';

const o = { epochMs: 0, segmentDuration: 2, loopLength: 10, windowSegments: 6 };

/** Parses the tags a player relies on out of a media playlist. */
function parse(playlist: string) {
  const lines = playlist.trim().split('\n');
  const num = (tag: string) => Number(lines.find((l) => l.startsWith(tag))?.split(':')[1]);
  const segments: { seq: number; uri: string; pdt: string; discontinuity: boolean }[] = [];
  let seq = num('#EXT-X-MEDIA-SEQUENCE');
  let pdt = '';
  let discontinuity = false;
  for (const l of lines) {
    if (l === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = l.slice(25);
    else if (!l.startsWith('#')) {
      segments.push({ seq: seq++, uri: l, pdt, discontinuity });
      discontinuity = false;
    }
  }
  return {
    mediaSequence: num('#EXT-X-MEDIA-SEQUENCE'),
    discontinuitySequence: num('#EXT-X-DISCONTINUITY-SEQUENCE'),
    targetDuration: num('#EXT-X-TARGETDURATION'),
    segments,
  };
}

describe('live window', () => {
  it('lists the last complete segments and advances one per segment duration', () => {
    const t = 1_000_000_000_000; // a multiple of 2 s
    expect(liveWindowAt(t, o)).toEqual({
      firstSeq: 499_999_994,
      lastSeq: 499_999_999,
      discontinuitySeq: 49_999_999,
    });
    expect(liveWindowAt(t + 1999, o).lastSeq).toBe(499_999_999);
    expect(liveWindowAt(t + 2000, o).lastSeq).toBe(500_000_000);
  });

  it('counts sequence numbers from the epoch', () => {
    const epochMs = Date.UTC(2026, 0, 1);
    const w = liveWindowAt(epochMs + 60_000, { ...o, epochMs });
    expect(w.lastSeq).toBe(29);
    const p = renderMediaPlaylist(epochMs + 60_000, {
      ...o,
      epochMs,
      segmentUri: (s) => `${s}.ts`,
    });
    expect(p).toContain(`#EXT-X-PROGRAM-DATE-TIME:${new Date(epochMs + 48_000).toISOString()}`);
  });

  it('maps sequence numbers onto the loop', () => {
    expect([0, 9, 10, 23].map((s) => clipIndexOf(s, 10))).toEqual([0, 9, 0, 3]);
  });

  it('renders PDT per segment, EXTINF, and discontinuities where the loop restarts', () => {
    // lastSeq = 24 -> window 19..24, loop restarts at 20.
    const p = parse(renderMediaPlaylist(50_000, { ...o, segmentUri: (s) => `${s}.ts` }));
    expect(p.mediaSequence).toBe(19);
    expect(p.targetDuration).toBe(2);
    expect(p.segments.map((s) => s.uri)).toEqual([
      '19.ts',
      '20.ts',
      '21.ts',
      '22.ts',
      '23.ts',
      '24.ts',
    ]);
    expect(p.segments.filter((s) => s.discontinuity).map((s) => s.seq)).toEqual([20]);
    expect(p.segments[0]?.pdt).toBe(new Date(38_000).toISOString());
    // Segment 19 is in loop 1, so one restart (at 10) precedes the window.
    expect(p.discontinuitySequence).toBe(1);
  });

  it('keeps DISCONTINUITY-SEQUENCE consistent as a tagged segment slides out', () => {
    // Count discontinuities per segment across successive playlists: a segment's number must not change.
    const numberOf = new Map<number, number>();
    for (let t = 30_000; t < 90_000; t += 2000) {
      const p = parse(renderMediaPlaylist(t, { ...o, segmentUri: (s) => `${s}.ts` }));
      let cc = p.discontinuitySequence;
      for (const s of p.segments) {
        if (s.discontinuity) cc++;
        const seen = numberOf.get(s.seq);
        if (seen !== undefined) expect(cc, `segment ${s.seq} at t=${t}`).toBe(seen);
        numberOf.set(s.seq, cc);
      }
    }
    expect(numberOf.get(29)).toBe(2);
    expect(numberOf.get(30)).toBe(3);
  });

  it('serves segments from the window and one window back, nothing newer', () => {
    const t = 50_000; // window 19..24
    expect(isSegmentAvailable(24, t, o)).toBe(true);
    expect(isSegmentAvailable(25, t, o)).toBe(false);
    expect(isSegmentAvailable(13, t, o)).toBe(true);
    expect(isSegmentAvailable(12, t, o)).toBe(false);
  });

  it('renders a multivariant playlist, highest bandwidth first', () => {
    const text = renderMultivariantPlaylist([
      {
        uri: 'lo/index.m3u8',
        bandwidth: 300_000,
        averageBandwidth: 280_000,
        width: 426,
        height: 240,
        codecs: 'c',
      },
      {
        uri: 'hi/index.m3u8',
        bandwidth: 600_000,
        averageBandwidth: 560_000,
        width: 640,
        height: 360,
        codecs: 'c',
      },
    ]);
    const uris = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(uris).toEqual(['hi/index.m3u8', 'lo/index.m3u8']);
    expect(text).toContain('RESOLUTION=640x360');
  });
});
