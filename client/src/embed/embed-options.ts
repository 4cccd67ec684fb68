import { CHANNEL_ID_PATTERN } from '../signaling/protocol.js';

/** Options of an embedded player: `<meshcast-player>` attributes and `Meshcast.mount` options. */
export interface EmbedOptions {
  /** Channel id, e.g. `demo`. Required. */
  channel: string;
  /**
   * Origin of the meshcast server (channel info, signaling). @default the origin that
   * `meshcast.js` was loaded from; with the npm package, the page's origin
   */
  server: string | undefined;
  /** Start playing once media is ready (browsers allow it muted). @default false */
  autoplay: boolean;
  /** Start muted. @default false */
  muted: boolean;
  /** Exchange segments with other viewers (when the channel allows it). @default true */
  p2p: boolean;
  /** Image shown before the first frame. @default undefined */
  poster: string | undefined;
  /** Show the statistics overlay (P2P and CDN bytes, peers, buffer). @default false */
  stats: boolean;
  /** Show the browser's media controls. @default true */
  controls: boolean;
  /** Period of the `stats` event, ms. @default 1000 */
  statsIntervalMs: number;
  /**
   * Most bytes per second this viewer uploads to other viewers (attribute `upload-cap`);
   * 0 = no cap. @default 0
   */
  uploadCap: number;
  /**
   * Take segments from other viewers but never upload (attribute `download-only`): for
   * metered or slow uplinks. @default false
   */
  downloadOnly: boolean;
}

export const DEFAULT_EMBED_OPTIONS: Omit<EmbedOptions, 'channel'> = {
  server: undefined,
  autoplay: false,
  muted: false,
  p2p: true,
  poster: undefined,
  stats: false,
  controls: true,
  statsIntervalMs: 1000,
  uploadCap: 0,
  downloadOnly: false,
};

/** The options that are attributes (and reflected properties) of `<meshcast-player>`. */
export const EMBED_ATTRIBUTES = [
  'channel',
  'server',
  'autoplay',
  'muted',
  'p2p',
  'poster',
  'stats',
  'controls',
  'upload-cap',
  'download-only',
] as const;
export type EmbedAttribute = (typeof EMBED_ATTRIBUTES)[number];

/** Attributes that are booleans; the others are strings. */
export const BOOLEAN_ATTRIBUTES: ReadonlySet<EmbedAttribute> = new Set([
  'autoplay',
  'muted',
  'p2p',
  'stats',
  'controls',
  'download-only',
]);

/** Attributes that are numbers. */
const NUMBER_ATTRIBUTES: ReadonlySet<EmbedAttribute> = new Set(['upload-cap']);

/** The option (and element property) an attribute sets: `upload-cap` -> `uploadCap`. */
export function optionKey(attribute: EmbedAttribute): keyof EmbedOptions {
  return attribute.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof EmbedOptions;
}

/** Options given by the caller: `channel` is required, the rest default. */
export type EmbedOptionsInit = Partial<EmbedOptions> & { channel: string };

/** Thrown for an option that cannot work (no channel, a server that is not a URL). */
export class EmbedOptionsError extends Error {
  readonly type = 'bad-option' as const;

  constructor(message: string) {
    super(message);
    this.name = 'EmbedOptionsError';
  }
}

/**
 * Merges over {@link DEFAULT_EMBED_OPTIONS} and validates; an explicit `undefined` means the
 * default. `server` is normalised to its origin.
 */
export function mergeEmbedOptions(init: EmbedOptionsInit): EmbedOptions {
  const o: EmbedOptions = { ...DEFAULT_EMBED_OPTIONS, channel: '' };
  for (const key of Object.keys(init) as (keyof EmbedOptions)[]) {
    if (init[key] !== undefined) Object.assign(o, { [key]: init[key] });
  }
  if (!CHANNEL_ID_PATTERN.test(o.channel)) {
    throw new EmbedOptionsError(
      o.channel
        ? `channel "${o.channel}" is not a channel id (lowercase letters, digits and -)`
        : 'no channel given (set the channel attribute)',
    );
  }
  if (o.server !== undefined) {
    let url: URL;
    try {
      url = new URL(o.server);
    } catch {
      throw new EmbedOptionsError(`server "${o.server}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new EmbedOptionsError(`server "${o.server}" must be an http(s) URL`);
    }
    o.server = url.origin;
  }
  if (!Number.isFinite(o.statsIntervalMs) || o.statsIntervalMs < 100) {
    throw new EmbedOptionsError('statsIntervalMs must be a number >= 100');
  }
  if (typeof o.uploadCap !== 'number' || !Number.isFinite(o.uploadCap) || o.uploadCap < 0) {
    throw new EmbedOptionsError(
      `upload-cap "${String(o.uploadCap)}" must be a number of bytes per second >= 0`,
    );
  }
  return o;
}

const FALSE_WORDS = new Set(['false', 'off', '0', 'no']);

/**
 * A boolean attribute's value: absent is the default, present is true (as in HTML) unless
 * its value is `false`, `off`, `0` or `no` (so `p2p="off"` turns off an on-by-default option).
 */
export function parseBooleanAttribute(value: string | null): boolean | undefined {
  if (value === null) return undefined;
  return !FALSE_WORDS.has(value.trim().toLowerCase());
}

/**
 * A number attribute's value: a plain decimal number (`"250000"`, `"1e6"`); anything else is
 * NaN, which {@link mergeEmbedOptions} rejects.
 */
export function parseNumberAttribute(value: string): number {
  const t = value.trim();
  return /^[0-9]+(\.[0-9]+)?(e[0-9]+)?$/i.test(t) ? Number(t) : NaN;
}

/**
 * Reads the options from attributes: `name(attr)` maps an option to its attribute name
 * (`channel` for the element, `data-meshcast-channel` for a plain element).
 */
export function optionsFromAttributes(
  getAttribute: (name: string) => string | null,
  name: (attribute: EmbedAttribute) => string = (a) => a,
): Partial<EmbedOptions> {
  const out: Partial<EmbedOptions> = {};
  for (const attribute of EMBED_ATTRIBUTES) {
    const raw = getAttribute(name(attribute));
    const value = BOOLEAN_ATTRIBUTES.has(attribute)
      ? parseBooleanAttribute(raw)
      : raw === null || raw.trim() === ''
        ? undefined
        : NUMBER_ATTRIBUTES.has(attribute)
          ? parseNumberAttribute(raw)
          : raw;
    if (value !== undefined) Object.assign(out, { [optionKey(attribute)]: value });
  }
  return out;
}

/** `data-meshcast-<option>`: the attribute names of the data-attribute embed. */
export const dataAttributeName = (attribute: EmbedAttribute): string =>
  `data-meshcast-${attribute}`;
