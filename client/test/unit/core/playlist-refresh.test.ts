import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_PLAYLIST_REFRESH_CONFIG,
  parseMediaPlaylist,
  PlaylistRefresher,
  segmentsAfter,
} from '../../../src/core/playlist-refresh.js';
import type { SegmentInfo } from '../../../src/core/rendition-session.js';

const BASE = 'http://cdn.test/live/demo/360p/index.m3u8';

/** A live media playlist of 2 s segments `first .. first + n - 1`. */
const playlist = (first: number, n: number, extra = ''): string =>
  [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:2',
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    ...Array.from({ length: n }, (_, i) => [`#EXTINF:2.000,`, `${first + i}.ts`]).flat(),
    extra,
  ].join('\n');

const info = (seq: number, start: number): SegmentInfo => ({
  seq,
  url: `http://cdn.test/live/demo/360p/${seq}.ts`,
  start,
  duration: 2,
});

describe('parseMediaPlaylist', () => {
  it('reads sequence numbers, durations and URIs resolved against the playlist', () => {
    const text = playlist(100, 2).replace('101.ts', 'https://other.test/x/101.ts?t=1');
    expect(parseMediaPlaylist(text, BASE)).toEqual({
      ended: false,
      segments: [
        { seq: 100, url: 'http://cdn.test/live/demo/360p/100.ts', duration: 2 },
        { seq: 101, url: 'https://other.test/x/101.ts?t=1', duration: 2 },
      ],
    });
    expect(parseMediaPlaylist(playlist(7, 1, '#EXT-X-ENDLIST'), BASE)?.ended).toBe(true);
    // Without a media sequence tag the first segment is 0; CRLF line ends are read too.
    const bare = '#EXTM3U\r\n#EXTINF:1.5,\r\na.ts\r\n';
    expect(parseMediaPlaylist(bare, BASE)?.segments).toEqual([
      { seq: 0, url: 'http://cdn.test/live/demo/360p/a.ts', duration: 1.5 },
    ]);
  });

  it('refuses what it does not read: no header, a master playlist, byte ranges, bad numbers', () => {
    expect(parseMediaPlaylist('<html>', BASE)).toBeUndefined();
    expect(
      parseMediaPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8', BASE),
    ).toBeUndefined();
    expect(
      parseMediaPlaylist('#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\na.ts', BASE),
    ).toBeUndefined();
    expect(parseMediaPlaylist('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n', BASE)).toBeUndefined();
    expect(parseMediaPlaylist('#EXTM3U\n#EXTINF:abc,\na.ts', BASE)).toBeUndefined();
    // A URI without its #EXTINF.
    expect(parseMediaPlaylist('#EXTM3U\na.ts', BASE)).toBeUndefined();
  });
});

describe('segmentsAfter', () => {
  const listed = parseMediaPlaylist(playlist(100, 6), BASE)!.segments;

  it('gives the segments after the player’s last one, on the player’s timeline', () => {
    const known = [info(101, 50), info(102, 52)];
    expect(segmentsAfter(known, listed)).toEqual([info(103, 54), info(104, 56), info(105, 58)]);
    expect(segmentsAfter([info(105, 58)], listed)).toEqual([]);
  });

  it('gives nothing when the playlist no longer reaches back to the player’s last segment', () => {
    expect(segmentsAfter([info(90, 0)], listed)).toEqual([]);
    expect(segmentsAfter([], listed)).toEqual([]);
  });
});

describe('PlaylistRefresher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(wanted = true, body = () => playlist(100, 4)) {
    vi.useFakeTimers();
    const urls: string[] = [];
    const fetch: typeof globalThis.fetch = (url) => {
      urls.push(url instanceof Request ? url.url : url.toString());
      return Promise.resolve(new Response(body(), { status: 200 }));
    };
    const got: SegmentInfo[][] = [];
    const state = { wanted };
    const refresher = new PlaylistRefresher({
      config: DEFAULT_PLAYLIST_REFRESH_CONFIG,
      wanted: () => state.wanted,
      known: () => [info(101, 50)],
      onSegments: (s) => got.push(s),
      fetch,
    });
    return { refresher, urls, got, state };
  }

  it('polls every 500 ms while wanted and hands over the segments the player lacks', async () => {
    const t = setup();
    t.refresher.setUrl(BASE);
    await vi.advanceTimersByTimeAsync(499);
    expect(t.urls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.urls).toEqual([BASE]);
    expect(t.got).toEqual([[info(102, 52), info(103, 54)]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.urls).toHaveLength(3);
    // Not wanted (upload too low, no peers): no request.
    t.state.wanted = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.urls).toHaveLength(3);
    t.refresher.destroy();
  });

  it('stops on a VOD playlist, on setUrl(undefined) and on destroy', async () => {
    const t = setup(true, () => playlist(100, 4, '#EXT-X-ENDLIST'));
    t.refresher.setUrl(BASE);
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.urls).toHaveLength(1);
    expect(t.got).toEqual([]);
    const u = setup();
    u.refresher.setUrl(BASE);
    await vi.advanceTimersByTimeAsync(500);
    u.refresher.setUrl(undefined);
    await vi.advanceTimersByTimeAsync(2000);
    expect(u.urls).toHaveLength(1);
    u.refresher.setUrl(BASE);
    u.refresher.destroy();
    u.refresher.setUrl(BASE);
    await vi.advanceTimersByTimeAsync(2000);
    expect(u.urls).toHaveLength(1);
  });

  it('skips a failed or unreadable refresh and goes on', async () => {
    let n = 0;
    const t = setup(true, () => (++n === 1 ? 'not a playlist' : playlist(100, 4)));
    t.refresher.setUrl(BASE);
    await vi.advanceTimersByTimeAsync(500);
    expect(t.got).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(t.got).toHaveLength(1);
    t.refresher.destroy();
  });

  it('is off with uploadFactor 0', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn<typeof globalThis.fetch>();
    const refresher = new PlaylistRefresher({
      config: { ...DEFAULT_PLAYLIST_REFRESH_CONFIG, uploadFactor: 0 },
      wanted: () => true,
      known: () => [info(101, 50)],
      onSegments: () => undefined,
      fetch,
    });
    refresher.setUrl(BASE);
    await vi.advanceTimersByTimeAsync(2000);
    expect(fetch).not.toHaveBeenCalled();
    refresher.destroy();
  });
});
