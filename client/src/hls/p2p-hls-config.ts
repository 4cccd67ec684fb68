import type { HlsConfig } from 'hls.js';
import type { HlsBinding } from './hls-binding.js';

/**
 * How far behind the live edge a P2P viewer plays, in target durations (hls.js's
 * `liveSyncDurationCount`, whose own default is 3). The extra half segment is time for
 * each segment to travel through the mesh before a viewer must take it from the CDN.
 * bench/sim, 1k viewers with churn and uploads averaging 1.2x the bitrate, 2026-11-24:
 * 55.9 % of the offload bound at 3, 65.1 % at 3.5 and 69.4 % at 4. The cost is half a
 * target duration of latency (1 s with 2 s segments).
 */
export const P2P_LIVE_SYNC_SEGMENTS = 3.5;

/** The hls.js settings that say where live playback sits; hls.js forbids some mixes of them. */
const LIVE_SYNC_KEYS = [
  'liveSyncDuration',
  'liveSyncDurationCount',
  'liveMaxLatencyDuration',
  'liveMaxLatencyDurationCount',
] as const;

/**
 * What meshcast adds to hls.js's config when P2P is on: `liveSyncDurationCount`
 * {@link P2P_LIVE_SYNC_SEGMENTS}. It adds nothing if the caller's config sets any of the
 * live sync settings, so the caller's choice stands and hls.js never sees a mix it rejects.
 * When meshcast sets it, it replaces a playlist's `HOLD-BACK`, as any
 * `liveSyncDurationCount` does.
 */
export function p2pHlsConfig(user: Partial<HlsConfig> = {}): Partial<HlsConfig> {
  if (LIVE_SYNC_KEYS.some((k) => user[k] !== undefined)) return {};
  return { liveSyncDurationCount: P2P_LIVE_SYNC_SEGMENTS };
}

/**
 * The hls.js config of meshcast's own players (the built-in one and the video.js source
 * handler): no low-latency mode, {@link p2pHlsConfig} when P2P is on (`binding` given), the
 * caller's config over both, and the binding's fragment loader.
 */
export function playerHlsConfig(
  user: Partial<HlsConfig> | undefined,
  binding: HlsBinding | undefined,
): Partial<HlsConfig> {
  return {
    lowLatencyMode: false,
    ...(binding && p2pHlsConfig(user)),
    ...user,
    ...(binding && { fLoader: binding.fragmentLoader }),
  };
}
