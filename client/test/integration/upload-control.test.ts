import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EngineConfig, SegmentInfo } from '../../src/core/engine.js';
import type { PlaybackState } from '../../src/core/scheduler.js';
import { joined, play360p, useEngineMesh } from '../support/engine-mesh.js';
import { livePlaylist, waitFor } from '../support/live-demo.js';
import { sleep } from '../../../test/support/wait.js';

describe('upload control between engines in Node', () => {
  const mesh = useEngineMesh();
  const newEngine = (config: Partial<EngineConfig> = {}): Engine => mesh.newEngine(config);
  let segments: SegmentInfo[];

  beforeAll(async () => {
    segments = (await livePlaylist(mesh.server.url)).slice(0, 4);
  });

  const start = async (engine: Engine, playback?: PlaybackState): Promise<void> => {
    play360p(engine, segments, playback);
    await joined(engine);
  };

  it('uploadCap: a holder serves its neighbour at most at the cap', async () => {
    const cap = 150_000;
    const holder = newEngine({ uploadCap: cap });
    await start(holder);
    for (const s of segments) expect((await holder.load('360p', s)).source).toBe('cdn');
    const total = holder.stats().cdnBytes;
    expect(total).toBeGreaterThan(cap); // enough bytes for the cap to matter

    const taker = newEngine();
    await start(taker);
    await waitFor('taker connected', () => taker.stats().peers >= 1);
    await sleep(500); // the holder's buffer map arrives just after the connection opens
    const t0 = performance.now();
    const got = await Promise.all(segments.map((s) => taker.load('360p', s)));
    const seconds = (performance.now() - t0) / 1000;
    expect(got.map((g) => g.source)).toEqual(segments.map(() => 'p2p'));
    expect(holder.stats().uploadBytes).toBe(total);
    // One 100 ms burst of the bucket and one chunk may go beyond cap * time.
    expect(total).toBeLessThanOrEqual(cap * seconds + cap * 0.1 + 16_384);
    holder.destroy();
    taker.destroy();
  });

  it('downloadOnly: takes segments from peers, announces and serves none', async () => {
    const holder = newEngine();
    await start(holder);
    for (const s of segments) await holder.load('360p', s);

    const leech = newEngine({ downloadOnly: true });
    await start(leech);
    await waitFor('leech connected', () => leech.stats().peers >= 1);
    await sleep(500);
    const got = await Promise.all(segments.map((s) => leech.load('360p', s)));
    expect(got.map((g) => g.source)).toEqual(segments.map(() => 'p2p'));
    holder.destroy();

    // A newcomer whose only neighbour is the leech: the leech holds every segment but
    // announces none, so the newcomer takes them all from the CDN, none from the leech.
    // Its playhead moves in real time, 2 s before the first segment: each one is fetched from
    // the CDN when its deadline nears, unless a peer announced it before.
    const newcomer = newEngine();
    const p0 = (segments[0]?.start ?? 0) - 2;
    await start(newcomer, { position: p0, rate: 1 });
    const t0 = performance.now();
    const clock = setInterval(() => {
      newcomer.setPlayback({ position: p0 + (performance.now() - t0) / 1000, rate: 1 }, true);
    }, 100);
    try {
      await waitFor('newcomer connected', () => newcomer.stats().peers >= 1);
      const fetched = await Promise.all(segments.map((s) => newcomer.load('360p', s)));
      expect(fetched.map((g) => g.source)).toEqual(segments.map(() => 'cdn'));
    } finally {
      clearInterval(clock);
    }
    expect(leech.stats().uploadBytes).toBe(0);
  });
});
