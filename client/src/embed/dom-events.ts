import type { PlayerStats } from '../player/player.js';
import type { EmbedChannel } from './embed-channel.js';
import type { EmbedPlayer, EmbedPlayerError } from './embed-player.js';

/**
 * DOM events that `<meshcast-player>` and `data-meshcast-channel` elements dispatch. They
 * bubble and cross shadow roots, so a page can listen on `document` too.
 *
 * @example
 * el.addEventListener('meshcast-stats', (e) => console.log(e.detail.p2pBytes));
 */
export interface MeshcastEventMap {
  /** The server answered: the channel is known and this page may embed it. */
  'meshcast-ready': CustomEvent<EmbedChannel>;
  /** First frame on screen. */
  'meshcast-playing': CustomEvent<{ startupMs: number }>;
  'meshcast-stall': CustomEvent<null>;
  /** A statistics snapshot, every second. */
  'meshcast-stats': CustomEvent<PlayerStats>;
  /** Fatal ones (refused origin, unknown channel, no playback) are also shown in the player. */
  'meshcast-error': CustomEvent<EmbedPlayerError>;
}

/** Dispatches one of {@link MeshcastEventMap} on `target`. */
export function dispatchMeshcastEvent<K extends keyof MeshcastEventMap>(
  target: EventTarget,
  type: K,
  detail: MeshcastEventMap[K]['detail'],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** Re-dispatches a player's events as DOM events on `target`. */
export function forwardEvents(player: EmbedPlayer, target: EventTarget): void {
  player.on('ready', (channel) => dispatchMeshcastEvent(target, 'meshcast-ready', channel));
  player.on('playing', (startupMs) =>
    dispatchMeshcastEvent(target, 'meshcast-playing', { startupMs }),
  );
  player.on('stall', () => dispatchMeshcastEvent(target, 'meshcast-stall', null));
  player.on('stats', (stats) => dispatchMeshcastEvent(target, 'meshcast-stats', stats));
  player.on('error', (error) => dispatchMeshcastEvent(target, 'meshcast-error', error));
}
