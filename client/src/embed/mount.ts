import { EmbedPlayer, type EmbedPlayerPlatform } from './embed-player.js';
import { mergeEmbedOptions, type EmbedOptionsInit } from './embed-options.js';

const mounted = new WeakMap<Element, EmbedPlayer>();

/** Settings of {@link mount} that are not player options. */
export interface MountSettings {
  /** Server origin when `options.server` is not given. @default the page's origin */
  defaultServer?: string;
  /** @default the browser's fetch and createPlayer */
  platform?: EmbedPlayerPlatform;
}

/**
 * Mounts a player inside `element` (in a shadow root of a child it adds) and returns it.
 * Mounting again into the same element replaces the previous player. `destroy()` stops the
 * player and removes what was added. Throws an `EmbedOptionsError` for bad options.
 *
 * @example
 * const player = Meshcast.mount(document.getElementById('live'), { channel: 'demo', muted: true, autoplay: true });
 * player.on('stats', (s) => console.log(s.p2pBytes));
 * // later
 * player.destroy();
 */
export function mount(
  element: Element,
  options: EmbedOptionsInit,
  settings: MountSettings = {},
): EmbedPlayer {
  const doc = element.ownerDocument;
  const merged = mergeEmbedOptions({
    ...options,
    server: options.server ?? settings.defaultServer ?? doc.defaultView?.location.origin,
  });
  mounted.get(element)?.destroy();
  const host = doc.createElement('div');
  host.setAttribute('data-meshcast-root', '');
  element.append(host);
  const player: EmbedPlayer = new EmbedPlayer(host.attachShadow({ mode: 'open' }), merged, {
    removeHost: true,
    onDestroy: () => {
      if (mounted.get(element) === player) mounted.delete(element);
    },
    ...(settings.platform && { platform: settings.platform }),
  });
  mounted.set(element, player);
  return player;
}

/** The player mounted in `element` by {@link mount}, if any. */
export function mountedPlayer(element: Element): EmbedPlayer | undefined {
  return mounted.get(element);
}
