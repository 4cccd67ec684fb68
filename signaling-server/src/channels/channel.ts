/** A live channel that viewers watch and that the admin manages. */
export interface Channel {
  /** URL slug, e.g. `demo`. */
  id: string;
  /** Display name. */
  name: string;
  /** HLS multivariant playlist URL; a path (`/live/...`) is relative to this server. */
  sourceUrl: string;
  /** Disabled channels refuse new viewers. */
  enabled: boolean;
  /** When false, viewers play from the CDN only. */
  p2pEnabled: boolean;
  /** Most neighbours a viewer is given in this channel's swarms. */
  maxNeighbours: number;
  /** Origins allowed to embed the channel; empty means any. */
  allowedOrigins: string[];
}

/** The channel the server seeds on first start; its source is the built-in looped clip. */
export const DEMO_CHANNEL: Channel = {
  id: 'demo',
  name: 'meshcast demo (test pattern)',
  sourceUrl: '/live/demo/master.m3u8',
  enabled: true,
  p2pEnabled: true,
  maxNeighbours: 8,
  allowedOrigins: [],
};
