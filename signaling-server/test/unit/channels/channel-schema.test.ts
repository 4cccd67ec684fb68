import { describe, expect, it } from 'vitest';
import { DEMO_CHANNEL, type Channel } from '../../../src/channels/channel.js';
import { closureReason } from '../../../src/channels/channel-closures.js';
import {
  channelPatchSchema,
  channelSchema,
  newChannelSchema,
} from '../../../src/channels/channel-schema.js';

describe('channel schema', () => {
  it('accepts the demo channel and absolute or path source URLs', () => {
    expect(channelSchema.parse(DEMO_CHANNEL)).toEqual(DEMO_CHANNEL);
    for (const sourceUrl of [
      '/live/x/master.m3u8',
      'https://cdn.example/a.m3u8',
      'http://10.0.0.1:8080/a',
    ]) {
      expect(channelSchema.safeParse({ ...DEMO_CHANNEL, sourceUrl }).success, sourceUrl).toBe(true);
    }
  });

  it.each([
    ['protocol-relative URL', { sourceUrl: '//cdn.example/a.m3u8' }],
    ['javascript URL', { sourceUrl: 'javascript:alert(1)' }],
    ['relative path', { sourceUrl: 'live/a.m3u8' }],
    ['uppercase id', { id: 'Demo' }],
    ['id with a slash', { id: 'a/b' }],
    ['control character in the name', { name: 'a\u0007b' }],
    ['blank name', { name: '   ' }],
    ['origin with a path', { allowedOrigins: ['https://a.example/'] }],
    ['origin with a wildcard', { allowedOrigins: ['https://*.example'] }],
    ['duplicate origins', { allowedOrigins: ['https://a.example', 'https://a.example'] }],
    ['too many neighbours', { maxNeighbours: 65 }],
  ])('refuses %s', (_name, change) => {
    expect(channelSchema.safeParse({ ...DEMO_CHANNEL, ...change }).success).toBe(false);
  });

  it('gives a new channel defaults and trims its name', () => {
    expect(newChannelSchema.parse({ id: 'news', name: ' News ', sourceUrl: '/n.m3u8' })).toEqual({
      id: 'news',
      name: 'News',
      sourceUrl: '/n.m3u8',
      enabled: true,
      p2pEnabled: true,
      maxNeighbours: 8,
      allowedOrigins: [],
    });
  });

  it('lets a patch change any field but the id', () => {
    expect(channelPatchSchema.parse({})).toEqual({});
    expect(channelPatchSchema.parse({ enabled: false })).toEqual({ enabled: false });
    expect(channelPatchSchema.safeParse({ id: 'other' }).success).toBe(false);
  });
});

describe('closureReason', () => {
  const before = DEMO_CHANNEL;
  /** The reason for an update of the demo channel that changes `change`. */
  const afterUpdate = (change: Partial<Channel>) =>
    closureReason({ kind: 'updated', id: 'demo', before, after: { ...before, ...change } });
  it('names why viewers must leave, and nothing for harmless changes', () => {
    expect(closureReason({ kind: 'deleted', id: 'demo', before })).toBe('deleted');
    expect(afterUpdate({ enabled: false })).toBe('disabled');
    expect(afterUpdate({ enabled: false, p2pEnabled: false })).toBe('disabled');
    expect(afterUpdate({ p2pEnabled: false })).toBe('p2p-disabled');
    expect(afterUpdate({ name: 'x' })).toBeUndefined();
    expect(closureReason({ kind: 'created', id: 'demo', after: before })).toBeUndefined();
    const disabled = { ...before, enabled: false };
    expect(
      closureReason({ kind: 'updated', id: 'demo', before: disabled, after: disabled }),
    ).toBeUndefined();
  });
});
