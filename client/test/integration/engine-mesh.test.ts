import { describe, expect, it } from 'vitest';
import { joined, play360p, useEngineMesh } from '../support/engine-mesh.js';
import { livePlaylist, waitFor } from '../support/live-demo.js';

describe('engines in Node mesh through a real signaling server', () => {
  const mesh = useEngineMesh();

  it('exchanges segments of the live demo stream byte-exact', async () => {
    const { server } = mesh;
    // The server hashes each segment once it watches the rendition (from the first join on);
    // peer bytes are verified against those hashes, so the second engine waits for them. A
    // probe joins first and the window is read after the watcher's first hash: every segment
    // listed then gets hashed (one that left the window before the watcher's first poll would
    // never be).
    const published = new Set<number>();
    const stopListening = server.integrity!.onPublish((swarm, h) => {
      if (swarm === 'demo/360p') published.add(h.seq);
    });
    const probe = mesh.signalingClient();
    const { swarm } = await probe.join('demo', '360p');
    await waitFor('watcher started', () => published.size > 0);
    await probe.leave(swarm); // the watcher stays a while after the last viewer leaves
    const segments = await livePlaylist(server.url);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    const originals = await Promise.all(
      segments.map(async (s) => new Uint8Array(await (await fetch(s.url)).arrayBuffer())),
    );

    // Deadlines far ahead: the scheduler is free to wait for peers.
    const first = mesh.newEngine();
    play360p(first, segments);
    // Alone in the swarm, it takes everything from the CDN.
    await joined(first, 'first engine joined');
    for (const [i, s] of segments.entries()) {
      const got = await first.load('360p', s);
      expect(got.source).toBe('cdn');
      expect(Buffer.compare(got.bytes, originals[i]!)).toBe(0);
    }

    await waitFor('hashes published', () => segments.every((s) => published.has(s.seq)));
    stopListening();

    const second = mesh.newEngine();
    play360p(second, segments);
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
