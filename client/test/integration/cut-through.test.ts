import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineConfig, type SegmentInfo } from '../../src/core/engine.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { livePlaylist, waitFor } from '../support/live-demo.js';

/**
 * Cut-through relay over real WebRTC: A holds segment s and uploads slowly (capped); B takes s
 * from A; C joins while B is still receiving it: A is busy (one upload slot, taken by B), B
 * announced s as arriving, so C takes s from B, whose chunks reach C before B has the whole
 * segment. C's bytes are the segment's (and C's session verified them against the server's
 * hash before the player saw them).
 */
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('cut-through relay between three engines in Node', () => {
  let server: MeshcastServer;
  let segment: SegmentInfo;
  const engines: Engine[] = [];
  const clients: SignalingClient[] = [];
  const farAhead = { position: -60, rate: 1 };

  beforeAll(async () => {
    server = await startTestServer({ iceCandidateFilter: 'loopback' });
    // The newest: the server's hash watcher (started when A joins) still finds them listed.
    const listed = (await livePlaylist(server.url)).slice(-4);
    // The largest segment: the slow transfer then lasts long enough to join mid-way.
    segment = listed.reduce((a, b) => (b.duration > a.duration ? b : a));
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

  const start = async (engine: Engine): Promise<void> => {
    engine.updatePlaylist('360p', [segment]);
    engine.setPlayback(farAhead, true);
    engine.setActiveRendition('360p');
    await waitFor('joined', () => engine.stats().peerId !== undefined);
  };

  it('C receives s from B while B is still receiving it from A, and the bytes verify', async () => {
    // A uploads slowly: one 16 KiB chunk every ~0.7 s (under the requesters' 1.2 s stall limit).
    const cap = 24_000;
    const a = newEngine({ uploadCap: cap });
    await start(a);
    const original = await a.load('360p', segment);
    expect(original.source).toBe('cdn');
    const size = original.bytes.length;
    expect(size / cap).toBeGreaterThan(3); // seconds: time for C to join mid-way

    const b = newEngine();
    let bDoneAt = Infinity;
    b.on('segment', (_r, seq) => {
      if (seq === segment.seq) bDoneAt = performance.now();
    });
    await start(b);
    await waitFor('B connected', () => b.stats().peers >= 1);
    await sleep(300); // A's buffer map arrives just after the connection opens
    const bLoad = b.load('360p', segment);
    // B's transfer from A is under way (A has sent bytes) but not complete.
    await waitFor('B receiving', () => a.stats().uploadBytes > 0);
    expect(bDoneAt).toBe(Infinity);

    const c = newEngine();
    await start(c);
    await waitFor('C connected to A and B', () => c.stats().peers >= 2);
    await sleep(300); // buffer maps and B's `arriving` arrive just after the connections open
    expect(bDoneAt).toBe(Infinity);
    const got = await c.load('360p', segment);
    const fromB = await bLoad;
    expect(fromB.source).toBe('p2p');
    expect(got.source).toBe('p2p');
    // C's first byte came before B had the whole segment: B relayed it as it arrived.
    expect(got.timing.first).toBeLessThan(bDoneAt);
    expect(b.stats().uploadBytes).toBe(size);
    expect(got.bytes).toEqual(original.bytes);
    expect(c.stats().wastedBytes).toBe(0);
  }, 60_000);
});
