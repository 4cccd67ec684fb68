// The parts of video.js 8 that the integration uses, as structural types: the package is an
// optional peer dependency, so the integration never imports it (the page hands its
// `videojs` in) and its loose generated types stay out of the public API.

/** A video.js source object; meshcast sources carry their channel in `meshcast`. */
export interface VideojsSource {
  src: string;
  type?: string;
  /** meshcast options for this source (set by `player.meshcast()`). */
  meshcast?: MeshcastSourceOptions;
}

/** What a meshcast source needs besides its URL. */
export interface MeshcastSourceOptions {
  /** Channel id; without it the source plays from the CDN only. */
  channel?: string;
  /** Origin of the meshcast server (signaling). @default the page's origin */
  server?: string;
  /** Exchange segments with other viewers. @default true */
  p2p?: boolean;
}

/** A video.js quality level's description, as `QualityLevelList.addQualityLevel` takes it. */
export interface QualityLevelRepresentation {
  id: string;
  width?: number;
  height?: number;
  bandwidth: number;
  enabled: (enable?: boolean) => boolean;
}

/** `player.qualityLevels()` (built into video.js 8). */
export interface QualityLevelListLike {
  readonly length: number;
  selectedIndex_: number;
  addQualityLevel(representation: QualityLevelRepresentation): unknown;
  removeQualityLevel(level: unknown): unknown;
  getQualityLevelById(id: string): unknown;
  trigger(event: { type: string; selectedIndex?: number }): void;
}

/** The video.js player, as far as meshcast uses it. */
export interface VideojsPlayerLike {
  src(source: VideojsSource | VideojsSource[]): unknown;
  /** Shows video.js's error display with a custom message. */
  error(message: string): unknown;
  trigger(event: string | { type: string; [key: string]: unknown }, data?: unknown): unknown;
  on(event: string, listener: () => void): unknown;
  qualityLevels?: () => QualityLevelListLike;
  isDisposed?: () => boolean;
}

/** The Html5 tech handed to a source handler. */
export interface Html5TechLike {
  el(): Element;
  /** video.js's own options of the tech; `playerId` names its player. */
  options_?: { playerId?: string };
}

/** What a source handler's `handleSource` returns; video.js calls `dispose` on source change. */
export interface SourceHandlerInstance {
  dispose(): void;
}

/** A video.js source handler (Tech.withSourceHandlers). */
export interface SourceHandler {
  canPlayType(type: string): '' | 'maybe' | 'probably';
  canHandleSource(source: VideojsSource, options?: unknown): '' | 'maybe' | 'probably';
  handleSource(
    source: VideojsSource,
    tech: Html5TechLike,
    options?: unknown,
  ): SourceHandlerInstance;
}

/** The `videojs` function and namespace, as far as meshcast uses it. */
export interface VideojsLike {
  /** A tech class; the Html5 one has `registerSourceHandler`. */
  getTech(name: string): unknown;
  registerPlugin(
    name: string,
    plugin: (this: VideojsPlayerLike, ...args: never[]) => unknown,
  ): unknown;
  getPlugin?(name: string): unknown;
  getPlayer(id: string): VideojsPlayerLike | undefined;
}
