import type { Channel } from '@meshcast/client/signaling';

// The channel's shape is part of the HTTP API, declared once with the other shared types.
export type { Channel };

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
