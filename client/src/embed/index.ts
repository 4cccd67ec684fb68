/**
 * The embed: `<meshcast-player>`, `data-meshcast-channel` elements and `mount()`. Nothing
 * here runs on import; the one-script bundle (`meshcast.js`) calls these for the page.
 * @packageDocumentation
 */
export { autoMount, type AutoMount } from './auto-mount.js';
export { dispatchMeshcastEvent, forwardEvents, type MeshcastEventMap } from './dom-events.js';
export {
  EmbedError,
  fetchEmbedChannel,
  type EmbedChannel,
  type EmbedErrorType,
} from './embed-channel.js';
export {
  DEFAULT_EMBED_OPTIONS,
  EmbedOptionsError,
  mergeEmbedOptions,
  type EmbedOptions,
  type EmbedOptionsInit,
} from './embed-options.js';
export {
  EmbedPlayer,
  type EmbedPlayerError,
  type EmbedPlayerEvents,
  type EmbedPlayerPlatform,
  type EmbedPlayerSettings,
} from './embed-player.js';
export {
  defineMeshcastElement,
  MESHCAST_ELEMENT_NAME,
  type MeshcastElementSettings,
  type MeshcastPlayerElement,
} from './meshcast-player-element.js';
export { mount, mountedPlayer, type MountSettings } from './mount.js';
export { scriptOrigin } from './script-origin.js';
