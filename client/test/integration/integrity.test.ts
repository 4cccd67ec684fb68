import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Swarm } from '../../src/core/swarm.js';
import type { SegmentHashesMessage } from '../../src/signaling/protocol.js';
import type { SignalingClient } from '../../src/signaling/signaling-client.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { useEngineMesh } from '../support/engine-mesh.js';
import { livePlaylist, waitFor } from '../support/live-demo.js';

const SWARM = 'demo/360p';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('segment integrity through a real signaling server', () => {
  const mesh = useEngineMesh({ integrityPollMs: 200 });
  let server: MeshcastServer;
  let liarSwarm: Swarm | undefined;
  const playheads: ReturnType<typeof setInterval>[] = [];

  beforeAll(() => {
    server = mesh.server;
  });
  // Runs before the mesh's own afterAll (engines, clients, server).
  afterAll(() => {
    for (const t of playheads) clearInterval(t);
    liarSwarm?.destroy();
  });

  const client = (): SignalingClient => mesh.signalingClient();

  it('publishes the hashes of the live window on join and each new segment after', async () => {
    const c = client();
    const messages: SegmentHashesMessage[] = [];
    c.on('segmentHashes', (m) => messages.push(m));
    await c.join('demo', '240p');
    // The first member starts the watcher: the window's hashes arrive one by one.
    await waitFor('hashes of the window', () => messages.flatMap((m) => m.hashes).length >= 4);
    expect(messages[0]).toEqual({ swarm: 'demo/240p', hashes: [] });
    for (const h of messages.flatMap((m) => m.hashes).slice(0, 4)) {
      const res = await fetch(`${server.url}/live/demo/240p/${h.seq}.ts`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(h).toEqual({ seq: h.seq, size: bytes.length, sha256: sha256(bytes) });
    }
    // A late joiner gets the window at once, before its join resolves.
    const late = client();
    const first = new Promise<SegmentHashesMessage>((resolve) => late.on('segmentHashes', resolve));
    await late.join('demo', '240p');
    const window = await first;
    expect(window.hashes.length).toBeGreaterThanOrEqual(4);
    expect(window.hashes.map((h) => h.seq)).toEqual(
      [...window.hashes.map((h) => h.seq)].sort((a, b) => a - b),
    );
    expect(server.integrity?.watchedSwarms()).toContain('demo/240p');
  });

  it('a lying peer is dropped by the engines it serves, reported, and excluded after 2 reports', async () => {
    const originals = new Map<number, Uint8Array>();
    // The liar serves every segment with one byte flipped: no product code is changed.
    const liarSignaling = client();
    liarSwarm = new Swarm({
      channel: 'demo',
      rendition: '360p',
      signaling: liarSignaling,
      wrtc,
      provide: (seq) => {
        const b = originals.get(seq)?.slice();
        if (b) b[b.length >> 1]! ^= 0xff;
        return b;
      },
      haveMap: () => [...originals.keys()],
    });
    await liarSwarm.start();
    const liarId = liarSwarm.peerId!;
    // Its join started the watcher: take the window once the server hashed it.
    const store = server.integrity!.store;
    const until = Date.now() + 10_000;
    while ((await store.list(SWARM, 64)).length < 5 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const hashed = new Set((await store.list(SWARM, 64)).map((h) => h.seq));
    const segments = (await livePlaylist(server.url)).filter((s) => hashed.has(s.seq));
    expect(segments.length).toBeGreaterThanOrEqual(4);
    for (const s of segments) {
      originals.set(s.seq, new Uint8Array(await (await fetch(s.url)).arrayBuffer()));
    }

    // Deadlines 8 s and more ahead, a playhead moving in real time: time to ask the liar
    // first, and for the CDN to step in after the ban.
    const startedAt = Date.now();
    const playback = () => ({
      position: segments[0]!.start - 8 + (Date.now() - startedAt) / 1000,
      rate: 1,
    });
    // Download-only: the honest engines neither serve nor relay (cut-through) to each other,
    // so each one meets the liar itself instead of taking the segment from the other.
    const honest = [0, 1].map(() => {
      const e = mesh.newEngine({ joinAfterStartMaxMs: 0, downloadOnly: true });
      e.updatePlaylist('360p', segments);
      e.setPlayback(playback(), true);
      playheads.push(setInterval(() => e.setPlayback(playback(), true), 200));
      e.setActiveRendition('360p');
      return e;
    });
    await waitFor('honest engines connected to the liar', () =>
      honest.every((e) => e.stats().peers >= 1),
    );
    const loaded = await Promise.all(
      honest.map((e) => Promise.all(segments.map((s) => e.load('360p', s)))),
    );
    for (const [i, e] of honest.entries()) {
      for (const got of loaded[i]!) {
        expect(sha256(got.bytes), `engine ${i} segment ${got.seq}`).toBe(
          sha256(originals.get(got.seq)!),
        );
      }
      const stats = e.stats();
      expect(stats.corruptSegments, `engine ${i} corrupt`).toBeGreaterThanOrEqual(1);
      expect(stats.bannedPeers, `engine ${i} banned`).toBe(1);
      expect(stats.verifiedSegments).toBeGreaterThanOrEqual(segments.length);
    }
    const reports = server.integrity!.reports;
    await waitFor('two reports', () => reports.reportersOf(SWARM, liarId).length === 2);
    expect(reports.reportersOf(SWARM, liarId).sort()).toEqual(
      honest.map((e) => e.stats().peerId).sort(),
    );
    expect(reports.isExcluded(SWARM, liarId)).toBe(true);
    // The liar is no longer connected to the honest engines, and never offered again.
    await waitFor('liar disconnected', () => liarSwarm!.connectedPeers().length === 0);
    const probe = client();
    const joined = await probe.join('demo', '360p');
    expect(joined.neighbours).not.toContain(liarId);
    expect(joined.neighbours.length).toBe(2);
  });
});
