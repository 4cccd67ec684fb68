import { describe, expect, it } from 'vitest';
import { CdnLoader } from '../../../src/core/cdn-loader.js';
import { RenditionSession, type SessionPeer } from '../../../src/core/rendition-session.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../../../src/core/scheduler.js';
import { FakeSwarm, zeroCounters } from '../../support/session-fakes.js';

const SEQ = 7;
const bytes = new Uint8Array(1000).fill(SEQ);

/** A neighbour that serves SEQ at once when asked. */
class HoldingPeer implements SessionPeer {
  readonly remoteHave = new Set<number>();
  readonly pendingRequests = 0;
  readonly asked: number[] = [];
  constructor(readonly id: string) {}
  throughput(): number {
    return 1000;
  }
  request(seq: number): Promise<Uint8Array> {
    this.asked.push(seq);
    return Promise.resolve(bytes);
  }
}

function session(answers: number[]): {
  session: RenditionSession;
  swarm: FakeSwarm<HoldingPeer>;
  cdnCalls: () => number;
} {
  let calls = 0;
  const fetch = (): Promise<Response> => {
    calls++;
    const status = answers.shift() ?? 200;
    return Promise.resolve(status === 200 ? new Response(bytes) : new Response(null, { status }));
  };
  const s = new RenditionSession({
    rendition: '360p',
    cdn: new CdnLoader({ retryDelayMs: 60 }, { fetch: fetch }),
    scheduler: DEFAULT_SCHEDULER_CONFIG,
    now: () => performance.now(),
    counters: zeroCounters(),
  });
  const swarm = new FakeSwarm<HoldingPeer>();
  s.attachSwarm(swarm);
  // The segment is 20 s ahead: no hurry, and nobody holds it yet, so the CDN is asked.
  s.setPlayback({ position: 0, rate: 1 }, true);
  return { session: s, swarm, cdnCalls: () => calls };
}

const segment = { seq: SEQ, url: 'http://cdn.test/7.ts', start: 20, duration: 2 };

describe('a CDN 503 covered by a peer', () => {
  it('a peer that announces the segment during the retry backoff serves it; no CDN retry', async () => {
    const { session: s, swarm, cdnCalls } = session([503]);
    const loading = s.load(segment);
    // The first attempt failed; during the backoff a neighbour announces the segment.
    await new Promise((r) => setTimeout(r, 10));
    const peer = new HoldingPeer('p1');
    peer.remoteHave.add(SEQ);
    swarm.peers.push(peer);
    swarm.emit('peerConnected', peer);
    swarm.emit('have', peer);
    const loaded = await loading;
    expect(loaded.source).toBe('p2p');
    expect(peer.asked).toEqual([SEQ]);
    expect(cdnCalls()).toBe(1);
    s.destroy();
  });

  it('without a holder, the CDN retries after its backoff', async () => {
    const { session: s, cdnCalls } = session([503]);
    const loaded = await s.load(segment);
    expect(loaded.source).toBe('cdn');
    expect(cdnCalls()).toBe(2);
    s.destroy();
  });
});
