import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/engine.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { livePlaylist, waitFor } from '../support/live-demo.js';

/** Reads the live 360p media playlist of the demo channel into segment infos. */

describe('engines in Node mesh through a real signaling server', () => {
  let server: MeshcastServer;
  const engines: Engine[] = [];
  const clients: SignalingClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({ iceCandidateFilter: 'loopback' });
  });
  afterAll(async () => {
    for (const e of engines) e.destroy();
    for (const c of clients) c.destroy();
    await server.close();
  });

  const newEngine = (): Engine => {
    const signaling = new SignalingClient({ url: server.url });
    clients.push(signaling);
    const engine = new Engine({ channel: 'demo', signaling, wrtc });
    engines.push(engine);
    return engine;
  };

  it('exchanges segments of the live demo stream byte-exact', async () => {
    const segments = await livePlaylist(server.url);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    const originals = await Promise.all(
      segments.map(async (s) => new Uint8Array(await (await fetch(s.url)).arrayBuffer())),
    );
    // Deadlines far ahead: the scheduler is free to wait for peers.
    const farAhead = { position: -60, rate: 1 };

    // The server hashes each segment once it watches the rendition (from the first join on);
    // peer bytes are verified against those hashes, so the second engine waits for them.
    const published = new Set<number>();
    const stopListening = server.integrity!.onPublish((swarm, h) => {
      if (swarm === 'demo/360p') published.add(h.seq);
    });

    const first = newEngine();
    first.updatePlaylist('360p', segments);
    first.setPlayback(farAhead, true);
    first.setActiveRendition('360p');
    // Alone in the swarm, it takes everything from the CDN.
    await waitFor('first engine joined', () => first.stats().peerId !== undefined);
    for (const [i, s] of segments.entries()) {
      const got = await first.load('360p', s);
      expect(got.source).toBe('cdn');
      expect(Buffer.compare(got.bytes, originals[i]!)).toBe(0);
    }

    await waitFor('hashes published', () => segments.every((s) => published.has(s.seq)));
    stopListening();

    const second = newEngine();
    second.updatePlaylist('360p', segments);
    second.setPlayback(farAhead, true);
    second.setActiveRendition('360p');
    await waitFor('second engine connected', () => second.stats().peers >= 1);
    for (const [i, s] of segments.entries()) {
      const got = await second.load('360p', s);
      expect(got.source, `segment ${s.seq}`).toBe('p2p');
      expect(Buffer.compare(got.bytes, originals[i]!), `segment ${s.seq} bytes`).toBe(0);
    }
    const total = originals.reduce((n, b) => n + b.length, 0);
    expect(second.stats()).toMatchObject({ p2pBytes: total, cdnBytes: 0 });
    await waitFor('upload counted', () => first.stats().uploadBytes >= total);
    expect(first.stats().uploadBytes).toBe(total);
  });
});
