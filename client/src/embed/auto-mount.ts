import { forwardEvents, dispatchMeshcastEvent } from './dom-events.js';
import type { EmbedPlayer } from './embed-player.js';
import {
  dataAttributeName,
  optionsFromAttributes,
  type EmbedOptionsInit,
} from './embed-options.js';
import { mount, type MountSettings } from './mount.js';

const SELECTOR = '[data-meshcast-channel]';

/** What {@link autoMount} started. */
export interface AutoMount {
  /** Players mounted now, by element. */
  readonly players: ReadonlyMap<Element, EmbedPlayer>;
  /** Stops watching the page and destroys the players; idempotent. */
  destroy(): void;
}

/**
 * Mounts a player in every `data-meshcast-channel` element of the page, now and when such
 * elements are added later, and destroys a player when its element leaves the page. Options
 * come from `data-meshcast-*` attributes, read once when the player is mounted.
 *
 * @example
 * <div data-meshcast-channel="demo" data-meshcast-muted data-meshcast-autoplay></div>
 */
export function autoMount(doc: Document, settings: MountSettings = {}): AutoMount {
  const players = new Map<Element, EmbedPlayer>();
  const add = (el: Element): void => {
    // A second copy of meshcast.js on the page must not take over the first one's players.
    if (players.has(el) || el.querySelector(':scope > [data-meshcast-root]')) return;
    const options = optionsFromAttributes((n) => el.getAttribute(n), dataAttributeName);
    try {
      const player = mount(el, options as EmbedOptionsInit, settings);
      forwardEvents(player, el);
      players.set(el, player);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      dispatchMeshcastEvent(el, 'meshcast-error', { type: 'bad-option', message, fatal: true });
    }
  };
  const scan = (root: Element | Document): void => {
    if (root instanceof Element && root.matches(SELECTOR)) add(root);
    root.querySelectorAll(SELECTOR).forEach(add);
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      r.addedNodes.forEach((n) => {
        if (n instanceof Element) scan(n);
      });
    }
    for (const [el, player] of players) {
      if (!el.isConnected) {
        players.delete(el);
        player.destroy();
      }
    }
  });
  const start = (): void => {
    scan(doc);
    observer.observe(doc.documentElement, { childList: true, subtree: true });
  };
  let started = false;
  const onReady = (): void => {
    started = true;
    start();
  };
  if (doc.readyState === 'loading')
    doc.addEventListener('DOMContentLoaded', onReady, { once: true });
  else onReady();

  let destroyed = false;
  return {
    players,
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      doc.removeEventListener('DOMContentLoaded', onReady);
      if (started) observer.disconnect();
      for (const p of players.values()) p.destroy();
      players.clear();
    },
  };
}
