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

const bytesOf = (seq: number): Uint8Array<ArrayBuffer> => new Uint8Array(1000).fill(seq % 256);
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
  requests: { seq: number; signal?: AbortSignal; resolve: (b: Uint8Array) => void }[] = [];
  constructor(readonly id: string) {}
  throughput(): number | undefined {
    return 1000;
  }
  request(seq: number, o: { signal?: AbortSignal }): Promise<Uint8Array> {
    this.pendingRequests++;
    return new Promise((resolve, reject) => {
      this.requests.push({ seq, ...(o.signal && { signal: o.signal }), resolve });
      o.signal?.addEventListener('abort', () => {
        this.pendingRequests--;
        reject(new Error('cancelled'));
      });
    });
  }
}

class FakeSwarm extends Emitter<SessionSwarmEvents> {
  readonly peerId = 'self';
  peers: FakePeer[] = [];
  announced: number[] = [];
  connectedPeers(): FakePeer[] {
    return this.peers;
  }
  announce(added: number[]): void {
    this.announced.push(...added);
  }
  destroy(): void {
    this.removeAllListeners();
  }
}

function setup() {
  let now = 10_000;
  const cdnUrls: string[] = [];
  const fetch = (url: string): Promise<Response> => {
    cdnUrls.push(url);
    const seq = Number(/(\d+)\.ts$/.exec(url)?.[1]);
    return Promise.resolve(new Response(bytesOf(seq)));
  };
  const counters: TrafficCounters = {
    p2pBytes: 0,
    cdnBytes: 0,
    uploadBytes: 0,
    wastedBytes: 0,
    p2pSegments: 0,
    cdnSegments: 0,
  };
  const session = new RenditionSession({
    rendition: '360p',
    cdn: new CdnLoader({}, { fetch: fetch as typeof globalThis.fetch, now: () => now }),
    scheduler: DEFAULT_SCHEDULER_CONFIG,
    now: () => now,
    counters,
  });
  const swarm = new FakeSwarm();
  session.attachSwarm(swarm);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 5));
  };
  return {
    session,
    swarm,
    counters,
    cdnUrls,
    settle,
    advance: (ms: number) => (now += ms),
  };
}

describe('RenditionSession', () => {
  it('alone, loads what the player asks for from the CDN and announces it', async () => {
    const t = setup();
    t.session.updatePlaylist([info(100, 0), info(101, 2)]);
    const loaded = await t.session.load(info(100, 0));
    expect(loaded.source).toBe('cdn');
    expect(loaded.bytes).toEqual(bytesOf(100));
    await t.settle();
    expect(t.swarm.announced).toContain(100);
    expect(t.counters.cdnBytes).toBeGreaterThanOrEqual(1000);
    t.session.destroy();
  });

  it('takes a segment from a neighbour that holds it while the deadline is far', async () => {
    const t = setup();
    const peer = new FakePeer('a');
    peer.remoteHave.add(105);
    t.swarm.peers.push(peer);
    t.session.setPlayback({ position: 0, rate: 1 }, true);
    t.session.updatePlaylist([info(105, 30)]);
    const pending = t.session.load(info(105, 30));
    await t.settle();
    expect(peer.requests.map((r) => r.seq)).toEqual([105]);
    peer.requests[0]?.resolve(bytesOf(105));
    const loaded = await pending;
    expect(loaded.source).toBe('p2p');
    expect(t.cdnUrls).toEqual([]);
    expect(t.counters.p2pBytes).toBe(1000);
    t.session.destroy();
  });

  it('cancels a stalled peer transfer and takes the segment from the CDN', async () => {
    const t = setup();
    const peer = new FakePeer('a');
    peer.remoteHave.add(105);
    t.swarm.peers.push(peer);
    // Deadline 3 s away: the peer is asked first, then goes silent.
    t.session.setPlayback({ position: 0, rate: 1 }, true);
    t.session.updatePlaylist([info(105, 3)]);
    const pending = t.session.load(info(105, 3));
    await t.settle();
    expect(peer.requests).toHaveLength(1);
    t.advance(DEFAULT_SCHEDULER_CONFIG.peerFirstByteMs + 1); // not one byte came
    t.session.kick();
    const loaded = await pending;
    expect(peer.requests[0]?.signal?.aborted).toBe(true);
    expect(loaded.source).toBe('cdn');
    expect(t.cdnUrls).toEqual(['http://cdn.test/105.ts']);
    t.session.destroy();
  });

  it('rejects waiting loads on destroy', async () => {
    const t = setup();
    const peer = new FakePeer('a');
    t.swarm.peers.push(peer);
    t.session.setPlayback({ position: 0, rate: 1 }, true);
    t.session.updatePlaylist([info(200, 60)]);
    const pending = t.session.load(info(200, 60));
    t.session.destroy();
    await expect(pending).rejects.toThrow(/destroyed/);
  });
});
