import Hls, { type HlsConfig } from 'hls.js';
import { describe, expect, it } from 'vitest';
import { P2P_LIVE_SYNC_SEGMENTS, p2pHlsConfig } from '../../../src/hls/p2p-hls-config.js';

/** The config the players build: meshcast's P2P settings, then the caller's over them. */
const build = (user: Partial<HlsConfig>): Hls => new Hls({ ...p2pHlsConfig(user), ...user });

describe('p2pHlsConfig', () => {
  it('plays P2P viewers half a segment further behind live than hls.js does', () => {
    expect(P2P_LIVE_SYNC_SEGMENTS).toBe(3.5);
    const hls = build({});
    expect(hls.config.liveSyncDurationCount).toBe(3.5);
    expect(new Hls().config.liveSyncDurationCount).toBe(3);
    hls.destroy();
  });

  it.each<[string, Partial<HlsConfig>]>([
    ['a sync count', { liveSyncDurationCount: 5 }],
    ['a sync duration', { liveSyncDuration: 12 }],
    ['a sync and a max duration', { liveSyncDuration: 6, liveMaxLatencyDuration: 20 }],
    ['a max count', { liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 3 }],
  ])('leaves live sync to the caller who sets %s, in a config hls.js accepts', (_, user) => {
    expect(p2pHlsConfig(user)).toEqual({});
    const hls = build(user);
    for (const [k, v] of Object.entries(user)) expect(hls.config[k as keyof HlsConfig]).toBe(v);
    hls.destroy();
  });

  it('would make hls.js throw if it set its count beside a caller’s duration', () => {
    // Why it steps aside: hls.js rejects a mix of counts and durations.
    expect(
      () => new Hls({ liveSyncDurationCount: P2P_LIVE_SYNC_SEGMENTS, liveSyncDuration: 12 }),
    ).toThrow(/don't mix up/);
  });
});
