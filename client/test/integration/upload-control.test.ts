import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineConfig, type SegmentInfo } from '../../src/core/engine.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { livePlaylist, waitFor } from '../support/live-demo.js';

/** Reads the live 360p media playlist of the demo channel into segment infos. */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('upload control between engines in Node', () => {
  let server: MeshcastServer;
  let segments: SegmentInfo[];
  const engines: Engine[] = [];
  const clients: SignalingClient[] = [];
  // Deadlines far ahead: the scheduler is free to wait for peers.
  const farAhead = { position: -60, rate: 1 };

  beforeAll(async () => {
    server = await startTestServer({ iceCandidateFilter: 'loopback' });
    segments = (await livePlaylist(server.url)).slice(0, 4);
  });
  afterAll(async () => {
    for (const e of engines) e.destroy();
    for (const c of clients) c.destroy();
    await server.close();
  });

  const newEngine = (config: Partial<EngineConfig> = {}): Engine => {
    const signaling = new SignalingClient({ url: server.url });
    clients.push(signaling);
    const engine = new Engine({ channel: 'demo', signaling, wrtc, config });
    engines.push(engine);
    return engine;
  };

  const start = async (engine: Engine, playback = farAhead): Promise<void> => {
    engine.updatePlaylist('360p', segments);
    engine.setPlayback(playback, true);
    engine.setActiveRendition('360p');
    await waitFor('joined', () => engine.stats().peerId !== undefined);
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
