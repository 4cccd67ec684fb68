/**
 * Entry of the one-script embed, `meshcast.js` (an IIFE; these exports become
 * `window.Meshcast`). Loading it registers `<meshcast-player>` and mounts a player in every
 * `data-meshcast-channel` element, both talking to the server the script came from.
 *
 * @example
 * <script src="https://live.example.com/meshcast.js" async></script>
 * <meshcast-player channel="demo" autoplay muted></meshcast-player>
 */
import type { EmbedOptionsInit } from './embed-options.js';
import type { EmbedPlayer } from './embed-player.js';
import { autoMount } from './auto-mount.js';
import { defineMeshcastElement } from './meshcast-player-element.js';
import { mount as mountIn } from './mount.js';
import { scriptOrigin } from './script-origin.js';

/** The server this script was loaded from. */
export const server = scriptOrigin();
export const version = '0.1.0';

/**
 * Mounts a player for `options.channel` inside `element` and returns it (`destroy()`,
 * `stats()`, `on('stats' | 'playing' | 'stall' | 'error' | 'ready', …)`).
 */
export function mount(element: Element, options: EmbedOptionsInit): EmbedPlayer {
  return mountIn(element, options, { defaultServer: server });
}

export const MeshcastPlayerElement = defineMeshcastElement({ defaultServer: server });
export const auto = autoMount(document, { defaultServer: server });
export { createPlayer } from '../player/player.js';
