import { describe, expect, it } from 'vitest';
import { resolveIntegrityConfig } from '../../../src/integrity/integrity-config.js';
import { MemoryHashStore } from '../../../src/integrity/memory-hash-store.js';
import { PeerReports } from '../../../src/integrity/peer-reports.js';
import {
  parseMediaSegments,
  parseVariants,
  renditionNames,
} from '../../../src/integrity/playlist-parse.js';

const h = (seq: number, fill = 'a') => ({ seq, size: seq, sha256: fill.repeat(64) });

describe('MemoryHashStore', () => {
  it('keeps the first hash of a seq, lists the newest in order, evicts the oldest', async () => {
    const store = new MemoryHashStore({ maxPerSwarm: 3 });
    expect(await store.put('demo/360p', h(5))).toBe(true);
    expect(await store.put('demo/360p', h(5, 'b'))).toBe(false);
    await store.put('demo/360p', h(3));
    await store.put('demo/360p', h(4));
    await store.put('demo/360p', h(6));
    expect((await store.list('demo/360p', 10)).map((x) => x.seq)).toEqual([4, 5, 6]);
    expect((await store.list('demo/360p', 2)).map((x) => x.seq)).toEqual([5, 6]);
    expect((await store.list('demo/360p', 10))[1]?.sha256).toBe('a'.repeat(64));
    expect(await store.has('demo/360p', 3)).toBe(false);
    expect(await store.has('demo/360p', 6)).toBe(true);
    expect(await store.list('other/360p', 10)).toEqual([]);
  });

  it('forgets a channel, not its prefix-sharing neighbours', async () => {
    const store = new MemoryHashStore();
    await store.put('demo/360p', h(1));
    await store.put('demo/240p', h(1));
    await store.put('demo2/360p', h(1));
    await store.deleteChannel('demo');
    expect(await store.list('demo/360p', 10)).toEqual([]);
    expect(await store.list('demo/240p', 10)).toEqual([]);
    expect(await store.list('demo2/360p', 10)).toHaveLength(1);
    await store.destroy();
    await store.destroy();
  });

  it('refuses a bad size', () => {
    expect(() => new MemoryHashStore({ maxPerSwarm: 0 })).toThrow(RangeError);
  });
});

describe('PeerReports', () => {
  it('excludes a peer only after two distinct reporters', () => {
    const r = new PeerReports(2);
    expect(r.report('demo/360p', 'a', 'liar')).toEqual({ reporters: 1, excluded: false });
    expect(r.report('demo/360p', 'a', 'liar')).toEqual({ reporters: 1, excluded: false });
    expect(r.isExcluded('demo/360p', 'liar')).toBe(false);
    expect(r.report('demo/360p', 'b', 'liar')).toEqual({ reporters: 2, excluded: true });
    expect(r.isExcluded('demo/360p', 'liar')).toBe(true);
    expect([...r.excluded('demo/360p')]).toEqual(['liar']);
    expect(r.isExcluded('demo/240p', 'liar')).toBe(false);
  });

  it('drops the reports of a reporter that disconnects (a liar cannot report twice by reconnecting)', () => {
    const r = new PeerReports(2);
    r.report('demo/360p', 'liar-1', 'honest');
    r.forget('liar-1');
    expect(r.report('demo/360p', 'liar-2', 'honest')).toEqual({ reporters: 1, excluded: false });
    expect(r.reportersOf('demo/360p', 'honest')).toEqual(['liar-2']);
  });

  it('keeps an exclusion when a reporter leaves, forgets the excluded peer when it leaves', () => {
    const r = new PeerReports(2);
    r.report('s/r', 'a', 'x');
    r.report('s/r', 'b', 'x');
    r.forget('a');
    r.forget('b');
    expect(r.isExcluded('s/r', 'x')).toBe(true);
    expect(r.knows('x')).toBe(true);
    expect(r.knows('a')).toBe(false);
    r.forget('x');
    expect(r.knows('x')).toBe(false);
    expect(r.isExcluded('s/r', 'x')).toBe(false);
    expect(r.reportersOf('s/r', 'x')).toEqual([]);
  });

  it('refuses a bad threshold', () => {
    expect(() => new PeerReports(0)).toThrow(RangeError);
  });
});

describe('playlist parsing', () => {
  it('names variants as the client names its hls.js levels', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-STREAM-INF:BANDWIDTH=698608,AVERAGE-BANDWIDTH=647698,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"',
      '360p/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240',
      'https://cdn.example/240p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=426x240',
      'low/index.m3u8',
    ].join('\n');
    expect(parseVariants(text, 'http://o.test/live/master.m3u8')).toEqual([
      { rendition: '240p-300k', url: 'http://o.test/live/low/index.m3u8' },
      { rendition: '240p-400k', url: 'https://cdn.example/240p.m3u8' },
      { rendition: '360p', url: 'http://o.test/live/360p/index.m3u8' },
    ]);
    expect(renditionNames([{ height: 0, bitrate: 128_000 }])).toEqual(['level0-128k']);
  });

  it('treats a media playlist as a single variant', () => {
    const text = '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:2.0,\n7.ts\n';
    expect(parseVariants(text, 'http://o.test/a.m3u8')).toEqual([
      { rendition: 'level0-0k', url: 'http://o.test/a.m3u8' },
    ]);
  });

  it('numbers media segments from EXT-X-MEDIA-SEQUENCE', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-MEDIA-SEQUENCE:41',
      '#EXTINF:2.000,',
      '41.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:2.000,',
      'http://cdn.test/x/42.ts',
      '',
    ].join('\r\n');
    expect(parseMediaSegments(text, 'http://o.test/live/360p/index.m3u8')).toEqual([
      { seq: 41, url: 'http://o.test/live/360p/41.ts' },
      { seq: 42, url: 'http://cdn.test/x/42.ts' },
    ]);
  });
});

describe('resolveIntegrityConfig', () => {
  it('fills defaults and refuses bad values', () => {
    expect(resolveIntegrityConfig().pollMs).toBe(500);
    expect(() => resolveIntegrityConfig({ pollMs: 0 })).toThrow(RangeError);
    expect(() => resolveIntegrityConfig({ joinHashes: 65 })).toThrow(RangeError);
    expect(() => resolveIntegrityConfig({ excludeAfterReports: 0 })).toThrow(RangeError);
    expect(() => resolveIntegrityConfig({ lingerMs: -1 })).toThrow(RangeError);
  });
});
