/**
 * @meshcast/client — live HLS playback over a WebRTC mesh with a CDN safety net.
 * @packageDocumentation
 */
export { createPlayer } from './player/player.js';
export type {
  MeshcastPlayer,
  PlayerOptions,
  PlayerStats,
  PlayerError,
  PlayerEvents,
} from './player/player.js';
export type { PlaybackQoe } from './player/playback-monitor.js';
