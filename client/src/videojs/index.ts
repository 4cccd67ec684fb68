/**
 * video.js integration: `registerMeshcast(videojs)`, then `videojs(el).meshcast({ channel })`
 * or a source `{ src, type: MESHCAST_SOURCE_TYPE, meshcast: { channel } }`. video.js (8.x) is
 * an optional peer dependency: the page passes its own `videojs` in.
 * @packageDocumentation
 */
export {
  attachMeshcast,
  meshcastStats,
  MESHCAST_SOURCE_TYPE,
  registerMeshcast,
  type MeshcastPluginHost,
  type MeshcastVideojs,
  type MeshcastVideojsOptions,
} from './register.js';
export {
  MeshcastHlsSource,
  type MeshcastHlsSourceConfig,
  type MeshcastVideojsStats,
} from './hlsjs-source.js';
export { QualityLevelsBridge } from './quality-levels.js';
export { p2pSummary, type P2pFigures } from '../player/stats-text.js';
export type {
  Html5TechLike,
  MeshcastSourceOptions,
  QualityLevelListLike,
  QualityLevelRepresentation,
  SourceHandler,
  VideojsLike,
  VideojsPlayerLike,
  VideojsSource,
} from './videojs-types.js';
