import type { PlayerStats } from '../player/player.js';
import { dispatchMeshcastEvent, forwardEvents } from './dom-events.js';
import { EmbedPlayer, type EmbedPlayerPlatform } from './embed-player.js';
import {
  BOOLEAN_ATTRIBUTES,
  DEFAULT_EMBED_OPTIONS,
  EMBED_ATTRIBUTES,
  mergeEmbedOptions,
  optionKey,
  optionsFromAttributes,
  parseBooleanAttribute,
  parseNumberAttribute,
  type EmbedAttribute,
  type EmbedOptionsInit,
} from './embed-options.js';
import { EmbedView } from './embed-view.js';

/** The tag name registered by default. */
export const MESHCAST_ELEMENT_NAME = 'meshcast-player';

/** Options that apply to a playing player; the others (channel, server, p2p, autoplay) remount. */
const LIVE = new Set<EmbedAttribute>(['muted', 'poster', 'controls', 'stats']);

/**
 * `<meshcast-player>`: a live player for a channel. Attributes are reflected as properties;
 * events are in `MeshcastEventMap`. Removing the element from the page destroys its player
 * (moving it within one task keeps it).
 *
 * @example
 * <meshcast-player channel="demo" autoplay muted stats></meshcast-player>
 */
export interface MeshcastPlayerElement extends HTMLElement {
  channel: string;
  /** Origin of the meshcast server; empty means the default. */
  server: string;
  autoplay: boolean;
  muted: boolean;
  p2p: boolean;
  poster: string;
  /** Whether the statistics overlay shows. */
  stats: boolean;
  controls: boolean;
  /** Upload cap, bytes/s (attribute `upload-cap`); 0 = none. */
  uploadCap: number;
  /** Never upload (attribute `download-only`). */
  downloadOnly: boolean;
  /** The player, while mounted. */
  readonly player: EmbedPlayer | undefined;
  /** A statistics snapshot, once playing. */
  getStats(): PlayerStats | undefined;
}

/** Settings of {@link defineMeshcastElement}. */
export interface MeshcastElementSettings {
  /** @default 'meshcast-player' */
  name?: string;
  /** Server origin when the `server` attribute is absent. @default the page's origin */
  defaultServer?: string;
  /** @default the browser's fetch and createPlayer */
  platform?: EmbedPlayerPlatform;
  /** @default window.customElements */
  registry?: CustomElementRegistry;
}

/**
 * Registers `<meshcast-player>` (once: a second call returns the registered class) and
 * returns its constructor. Call it in a browser; it touches `HTMLElement` only when called.
 */
export function defineMeshcastElement(
  settings: MeshcastElementSettings = {},
): new () => MeshcastPlayerElement {
  const registry = settings.registry ?? customElements;
  const name = settings.name ?? MESHCAST_ELEMENT_NAME;
  const existing = registry.get(name);
  if (existing) return existing as new () => MeshcastPlayerElement;

  class Element extends HTMLElement {
    static readonly observedAttributes = [...EMBED_ATTRIBUTES];
    private readonly shadow = this.attachShadow({ mode: 'open' });
    private embed: EmbedPlayer | undefined;
    private errorView: EmbedView | undefined;

    get player(): EmbedPlayer | undefined {
      return this.embed;
    }

    getStats(): PlayerStats | undefined {
      return this.embed?.stats();
    }

    connectedCallback(): void {
      if (!this.embed && !this.errorView) this.mountPlayer();
    }

    disconnectedCallback(): void {
      queueMicrotask(() => {
        if (!this.isConnected) this.unmount();
      });
    }

    attributeChangedCallback(attr: string, old: string | null, value: string | null): void {
      if (old === value || !this.isConnected || (!this.embed && !this.errorView)) return;
      const a = attr as EmbedAttribute;
      if (this.embed && LIVE.has(a)) {
        const v = BOOLEAN_ATTRIBUTES.has(a)
          ? (parseBooleanAttribute(value) ?? DEFAULT_EMBED_OPTIONS[a as 'muted'])
          : (value ?? undefined);
        this.embed.update({ [a]: v });
      } else {
        this.unmount();
        this.mountPlayer();
      }
    }

    private mountPlayer(): void {
      const init = optionsFromAttributes((n) => this.getAttribute(n)) as EmbedOptionsInit;
      try {
        const options = mergeEmbedOptions({
          ...init,
          server: init.server ?? settings.defaultServer ?? location.origin,
        });
        this.embed = new EmbedPlayer(this.shadow, options, {
          ...(settings.platform && { platform: settings.platform }),
        });
        forwardEvents(this.embed, this);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.errorView = new EmbedView(this.shadow);
        this.errorView.showError(message);
        dispatchMeshcastEvent(this, 'meshcast-error', { type: 'bad-option', message, fatal: true });
      }
    }

    private unmount(): void {
      this.embed?.destroy();
      this.embed = undefined;
      this.errorView?.destroy();
      this.errorView = undefined;
    }
  }

  for (const attr of EMBED_ATTRIBUTES) {
    const isBoolean = BOOLEAN_ATTRIBUTES.has(attr);
    const fallback = (DEFAULT_EMBED_OPTIONS as Record<string, unknown>)[optionKey(attr)];
    Object.defineProperty(Element.prototype, optionKey(attr), {
      configurable: true,
      enumerable: true,
      get(this: HTMLElement): string | boolean | number {
        const raw = this.getAttribute(attr);
        if (isBoolean) return parseBooleanAttribute(raw) ?? fallback === true;
        if (typeof fallback === 'number') {
          return raw === null || raw.trim() === '' ? fallback : parseNumberAttribute(raw);
        }
        return raw ?? '';
      },
      set(this: HTMLElement, value: unknown): void {
        if (isBoolean) {
          const b = Boolean(value);
          if (b === fallback) this.removeAttribute(attr);
          else this.setAttribute(attr, b ? '' : 'false');
        } else if ((typeof value === 'string' && value !== '') || typeof value === 'number') {
          this.setAttribute(attr, String(value));
        } else {
          this.removeAttribute(attr);
        }
      },
    });
  }
  registry.define(name, Element);
  return Element as unknown as new () => MeshcastPlayerElement;
}

declare global {
  interface HTMLElementTagNameMap {
    'meshcast-player': MeshcastPlayerElement;
  }
}
