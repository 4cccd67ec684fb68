/**
 * @meshcast/client — live HLS playback over a WebRTC mesh with a CDN safety net.
 * @packageDocumentation
 */
export { createPlayer } from './player/player.js';
export { p2pSummary, type P2pFigures } from './player/stats-text.js';
export type {
  MeshcastPlayer,
  PlayerOptions,
  PlayerStats,
  PlayerError,
  PlayerEvents,
} from './player/player.js';
export type { PlaybackQoe } from './player/playback-monitor.js';

// The engine and its parts, for players other than the built-in one.
export { Engine, DEFAULT_ENGINE_CONFIG } from './core/engine.js';
export type {
  EngineConfig,
  EngineOptions,
  EngineStats,
  EngineEvents,
  LoadedSegment,
  SegmentInfo,
} from './core/engine.js';
export { DEFAULT_SCHEDULER_CONFIG } from './core/scheduler.js';
export type { SchedulerConfig } from './core/scheduler.js';
export { HlsBinding } from './hls/hls-binding.js';
export { P2P_LIVE_SYNC_SEGMENTS, p2pHlsConfig } from './hls/p2p-hls-config.js';
export { SignalingClient } from './signaling/signaling-client.js';
export type { SignalingClientConfig } from './signaling/signaling-client-config.js';
