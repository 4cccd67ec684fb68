import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CdnLoader } from '../../../src/core/cdn-loader.js';
import { Emitter } from '../../../src/core/emitter.js';
import {
  RenditionSession,
  type SegmentInfo,
  type SessionPeer,
  type SessionSwarmEvents,
  type TrafficCounters,
} from '../../../src/core/rendition-session.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../../../src/core/scheduler.js';
import { SegmentVerifier } from '../../../src/core/segment-verifier.js';

const bytesOf = (seq: number): Uint8Array<ArrayBuffer> => new Uint8Array(1000).fill(seq % 256);
const hashOf = (seq: number) => ({
  seq,
  size: 1000,
  sha256: createHash('sha256').update(bytesOf(seq)).digest('hex'),
});
const info = (seq: number, start: number): SegmentInfo => ({
  seq,
  url: `http://cdn.test/${seq}.ts`,
  start,
  duration: 2,
});

/** A neighbour whose answers the test controls. */
class FakePeer implements SessionPeer {
  readonly remoteHave = new Set<number>();
  pendingRequests = 0;
  requests: { seq: number; resolve: (b: Uint8Array) => void }[] = [];
  constructor(readonly id: string) {}
  throughput(): number | undefined {
    return 1000;
  }
  request(seq: number, o: { signal?: AbortSignal }): Promise<Uint8Array> {
    this.pendingRequests++;
    return new Promise((resolve, reject) => {
      this.requests.push({ seq, resolve });
      o.signal?.addEventListener('abort', () => reject(new Error('cancelled')));
    });
  }
}

class FakeSwarm extends Emitter<SessionSwarmEvents> {
  readonly peerId = 'self';
  peers: FakePeer[] = [];
  announced: number[] = [];
  banned: string[] = [];
  connectedPeers(): FakePeer[] {
    return this.peers;
  }
  ban(peerId: string): void {
    this.banned.push(peerId);
    this.peers = this.peers.filter((p) => p.id !== peerId);
  }
  announce(added: number[]): void {
    this.announced.push(...added);
  }
  destroy(): void {
    this.removeAllListeners();
  }
}

function setup(cdnBody: (seq: number) => Uint8Array<ArrayBuffer> = bytesOf) {
  const now = 10_000;
  const cdnUrls: string[] = [];
  const fetch = (url: string): Promise<Response> => {
    cdnUrls.push(url);
    const seq = Number(/(\d+)\.ts$/.exec(url)?.[1]);
    return Promise.resolve(new Response(cdnBody(seq)));
  };
  const counters: TrafficCounters = {
    p2pBytes: 0,
    cdnBytes: 0,
    uploadBytes: 0,
    wastedBytes: 0,
    p2pSegments: 0,
    cdnSegments: 0,
  };
  const verifier = new SegmentVerifier({ hashWaitMs: 50 });
  const liars: [string, number][] = [];
  const session = new RenditionSession({
    rendition: '360p',
    cdn: new CdnLoader({}, { fetch: fetch as typeof globalThis.fetch, now: () => now }),
    scheduler: DEFAULT_SCHEDULER_CONFIG,
    now: () => now,
    counters,
    verifier,
    onCorruptPeer: (peerId, seq) => liars.push([peerId, seq]),
  });
  const swarm = new FakeSwarm();
  session.attachSwarm(swarm);
  const peer = new FakePeer('a');
  swarm.peers.push(peer);
  const settle = async (ms = 5): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, ms));
  };
  return { session, swarm, peer, verifier, counters, cdnUrls, liars, settle };
}

/** A segment 30 s ahead that the peer holds: the session asks the peer first. */
async function askPeer(t: ReturnType<typeof setup>, seq: number) {
  t.peer.remoteHave.add(seq);
  t.session.setPlayback({ position: 0, rate: 1 }, true);
  t.session.updatePlaylist([info(seq, 30)]);
  const pending = t.session.load(info(seq, 30));
  await t.settle();
  expect(t.peer.requests.map((r) => r.seq)).toEqual([seq]);
  // Wrapped: an async function returning a promise would await it.
  return { pending };
}

describe('RenditionSession integrity gate', () => {
  it('passes peer bytes that match the published hash', async () => {
    const t = setup();
    t.verifier.addHashes([hashOf(105)]);
    const { pending } = await askPeer(t, 105);
    t.peer.requests[0]?.resolve(bytesOf(105));
    const loaded = await pending;
    expect(loaded.source).toBe('p2p');
    expect(t.counters.p2pBytes).toBe(1000);
    expect(t.verifier.counters.verifiedSegments).toBe(1);
    t.session.destroy();
  });

  it('drops corrupt peer bytes, bans and reports the peer, and plays the CDN copy', async () => {
    const t = setup();
    t.verifier.addHashes([hashOf(105)]);
    const { pending } = await askPeer(t, 105);
    const lie = bytesOf(105);
    lie[10] = 0xff ^ (lie[10] ?? 0);
    t.peer.requests[0]?.resolve(lie);
    const loaded = await pending;
    expect(loaded.source).toBe('cdn');
    expect(loaded.bytes).toEqual(bytesOf(105));
    expect(t.cdnUrls).toEqual(['http://cdn.test/105.ts']);
    expect(t.swarm.banned).toEqual(['a']);
    expect(t.liars).toEqual([['a', 105]]);
    expect(t.counters).toMatchObject({ p2pBytes: 0, wastedBytes: 1000, cdnBytes: 1000 });
    expect(t.verifier.counters.corruptSegments).toBe(1);
    t.session.destroy();
  });

  it('waits briefly for a late hash, then passes matching bytes', async () => {
    const t = setup();
    t.verifier.addHashes([]);
    const { pending } = await askPeer(t, 105);
    t.peer.requests[0]?.resolve(bytesOf(105));
    await t.settle(1);
    t.verifier.addHashes([hashOf(105)]);
    expect((await pending).source).toBe('p2p');
    t.session.destroy();
  });

  it('treats peer bytes whose hash never comes as unverified: CDN, no ban', async () => {
    const t = setup();
    t.verifier.addHashes([]);
    const { pending } = await askPeer(t, 105);
    t.peer.requests[0]?.resolve(bytesOf(105));
    const loaded = await pending;
    expect(loaded.source).toBe('cdn');
    expect(t.swarm.banned).toEqual([]);
    expect(t.verifier.counters.unverifiedSegments).toBe(1);
    t.session.destroy();
  });

  it('plays CDN bytes that fail the hash but does not share them', async () => {
    const t = setup((seq) => new Uint8Array(1000).fill((seq + 1) % 256));
    t.swarm.peers = [];
    t.verifier.addHashes([hashOf(100)]);
    t.session.updatePlaylist([info(100, 0)]);
    const loaded = await t.session.load(info(100, 0));
    expect(loaded.source).toBe('cdn');
    await t.settle();
    expect(t.swarm.announced).not.toContain(100);
    expect(t.session.store.has(100)).toBe(false);
    expect(t.verifier.counters.cdnMismatches).toBe(1);
    t.session.destroy();
  });

  it('shares CDN bytes that match, and those with no hash yet', async () => {
    const t = setup();
    t.swarm.peers = [];
    t.verifier.addHashes([hashOf(100)]);
    t.session.updatePlaylist([info(100, 0), info(101, 2)]);
    await t.session.load(info(100, 0));
    await t.session.load(info(101, 2));
    await t.settle();
    expect(t.swarm.announced).toEqual(expect.arrayContaining([100, 101]));
    t.session.destroy();
  });
});
