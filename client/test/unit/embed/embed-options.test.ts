import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EMBED_OPTIONS,
  EmbedOptionsError,
  dataAttributeName,
  mergeEmbedOptions,
  optionKey,
  optionsFromAttributes,
  parseBooleanAttribute,
  parseNumberAttribute,
} from '../../../src/embed/embed-options.js';

const attrs =
  (map: Record<string, string>) =>
  (name: string): string | null =>
    map[name] ?? null;

describe('embed options', () => {
  it('boolean attributes: absent is the default, present is true unless false/off/0/no', () => {
    expect(parseBooleanAttribute(null)).toBeUndefined();
    for (const v of ['', 'true', 'on', 'autoplay', 'yes'])
      expect(parseBooleanAttribute(v)).toBe(true);
    for (const v of ['false', 'OFF', ' 0 ', 'no']) expect(parseBooleanAttribute(v)).toBe(false);
  });

  it('reads element attributes and data attributes', () => {
    expect(
      optionsFromAttributes(
        attrs({
          channel: 'demo',
          autoplay: '',
          muted: '',
          p2p: 'off',
          poster: '/p.jpg',
          stats: '',
        }),
      ),
    ).toEqual({
      channel: 'demo',
      autoplay: true,
      muted: true,
      p2p: false,
      poster: '/p.jpg',
      stats: true,
    });
    expect(
      optionsFromAttributes(
        attrs({ 'data-meshcast-channel': 'live-2', 'data-meshcast-server': 'https://h.example' }),
        dataAttributeName,
      ),
    ).toEqual({ channel: 'live-2', server: 'https://h.example' });
    // An empty string attribute is absent (the default applies).
    expect(optionsFromAttributes(attrs({ channel: 'demo', poster: '' }))).toEqual({
      channel: 'demo',
    });
  });

  it('merges over the defaults, treating undefined as absent', () => {
    const o = mergeEmbedOptions({ channel: 'demo', muted: undefined, stats: true });
    expect(o).toEqual({ ...DEFAULT_EMBED_OPTIONS, channel: 'demo', stats: true });
    expect(o.autoplay).toBe(false);
    expect(o.p2p).toBe(true);
    expect(o.controls).toBe(true);
  });

  it('normalises the server to its origin', () => {
    expect(
      mergeEmbedOptions({ channel: 'demo', server: 'https://Live.Example:443/x/y' }).server,
    ).toBe('https://live.example');
  });

  it('throws a typed error naming the bad option', () => {
    const bad = (init: Parameters<typeof mergeEmbedOptions>[0], text: RegExp): void => {
      let err: unknown;
      try {
        mergeEmbedOptions(init);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EmbedOptionsError);
      expect((err as EmbedOptionsError).type).toBe('bad-option');
      expect((err as Error).message).toMatch(text);
    };
    bad({ channel: '' }, /no channel given/);
    bad({ channel: 'Not A Slug' }, /not a channel id/);
    bad({ channel: 'demo', server: 'nope' }, /not a URL/);
    bad({ channel: 'demo', server: 'ftp://h.example' }, /http\(s\)/);
    bad({ channel: 'demo', statsIntervalMs: 10 }, /statsIntervalMs/);
    bad({ channel: 'demo', uploadCap: -1 }, /upload-cap/);
    bad({ channel: 'demo', uploadCap: NaN }, /upload-cap/);
  });

  it('reads upload-cap and download-only, as attributes and data attributes', () => {
    expect(
      optionsFromAttributes(
        attrs({ channel: 'demo', 'upload-cap': '250000', 'download-only': '' }),
      ),
    ).toEqual({ channel: 'demo', uploadCap: 250_000, downloadOnly: true });
    expect(
      optionsFromAttributes(
        attrs({
          'data-meshcast-channel': 'demo',
          'data-meshcast-upload-cap': ' 1e6 ',
          'data-meshcast-download-only': 'false',
        }),
        dataAttributeName,
      ),
    ).toEqual({ channel: 'demo', uploadCap: 1_000_000, downloadOnly: false });
    // Absent or empty: the defaults (no cap, uploads on).
    const o = mergeEmbedOptions({
      ...optionsFromAttributes(attrs({ channel: 'demo', 'upload-cap': '' })),
      channel: 'demo',
    });
    expect(o.uploadCap).toBe(0);
    expect(o.downloadOnly).toBe(false);
    // Not a number: rejected when merged, naming the attribute.
    for (const v of ['100k', '-5', 'abc', '1,000']) {
      const init = optionsFromAttributes(attrs({ 'upload-cap': v }));
      expect(Number.isNaN(init.uploadCap)).toBe(true);
      expect(() => mergeEmbedOptions({ ...init, channel: 'demo' })).toThrow(/upload-cap/);
    }
    expect(parseNumberAttribute('2.5')).toBe(2.5);
    expect(optionKey('download-only')).toBe('downloadOnly');
    expect(optionKey('p2p')).toBe('p2p');
  });

  it('takes upload options as Meshcast.mount options', () => {
    const o = mergeEmbedOptions({ channel: 'demo', uploadCap: 64_000, downloadOnly: true });
    expect(o).toMatchObject({ uploadCap: 64_000, downloadOnly: true });
  });
});
