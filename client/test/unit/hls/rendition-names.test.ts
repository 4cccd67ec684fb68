import { describe, expect, it } from 'vitest';
import { renditionNames as clientNames } from '../../../src/hls/hls-binding.js';
import { renditionNames as serverNames } from '../../../../signaling-server/src/integrity/playlist-parse.js';

// The server names renditions as the client's hls.js binding does (swarms and published hashes
// are keyed by the name). It may import the client's types only, so the rule is written twice:
// this test keeps the two copies equal.
describe('renditionNames: server and client agree', () => {
  const cases: { height: number; bitrate: number }[][] = [
    [],
    [{ height: 360, bitrate: 800_000 }],
    [
      { height: 240, bitrate: 400_000 },
      { height: 360, bitrate: 800_000 },
      { height: 720, bitrate: 2_500_000 },
    ],
    [
      { height: 240, bitrate: 300_000 },
      { height: 240, bitrate: 400_000 },
      { height: 360, bitrate: 650_499 },
    ],
    [
      { height: 0, bitrate: 128_000 },
      { height: 0, bitrate: 64_000 },
    ],
  ];
  it.each(
    cases.map(
      (levels) =>
        [levels.map((l) => `${l.height}@${l.bitrate}`).join(',') || 'none', levels] as const,
    ),
  )('levels %s', (_name, levels) => {
    expect(serverNames(levels)).toEqual(clientNames(levels));
  });

  it('is not trivially equal: the names differ with the levels', () => {
    expect(serverNames(cases[3]!)).toEqual(['240p-300k', '240p-400k', '360p']);
  });
});
