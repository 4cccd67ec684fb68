import { describe, expect, it } from 'vitest';
import { bytesOf, FakePeer, segmentInfo, sessionHarness } from '../../support/session-fakes.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../../../src/core/scheduler.js';

describe('RenditionSession', () => {
  it('alone, loads what the player asks for from the CDN and announces it', async () => {
    const t = sessionHarness();
    t.session.updatePlaylist([segmentInfo(100, 0), segmentInfo(101, 2)]);
    const loaded = await t.session.load(segmentInfo(100, 0));
    expect(loaded.source).toBe('cdn');
    expect(loaded.bytes).toEqual(bytesOf(100));
    await t.settle();
    expect(t.swarm.announced).toContain(100);
    expect(t.counters.cdnBytes).toBeGreaterThanOrEqual(1000);
    t.session.destroy();
  });

  it('takes a segment from a neighbour that holds it while the deadline is far', async () => {
    const t = sessionHarness();
    const peer = new FakePeer('a');
    const { pending } = await t.loadHeld(peer, 105, 30);
    expect(peer.requests.map((r) => r.seq)).toEqual([105]);
    peer.requests[0]?.resolve(bytesOf(105));
    const loaded = await pending;
    expect(loaded.source).toBe('p2p');
    expect(t.cdnUrls).toEqual([]);
    expect(t.counters.p2pBytes).toBe(1000);
    t.session.destroy();
  });

  it('cancels a stalled peer transfer and takes the segment from the CDN', async () => {
    const t = sessionHarness();
    const peer = new FakePeer('a');
    peer.remoteHave.add(105);
    t.swarm.peers.push(peer);
    // Deadline 3 s away: the peer is asked first, then goes silent.
    t.session.setPlayback({ position: 0, rate: 1 }, true);
    t.session.updatePlaylist([segmentInfo(105, 3)]);
    const pending = t.session.load(segmentInfo(105, 3));
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
    const t = sessionHarness();
    const peer = new FakePeer('a');
    t.swarm.peers.push(peer);
    t.session.setPlayback({ position: 0, rate: 1 }, true);
    t.session.updatePlaylist([segmentInfo(200, 60)]);
    const pending = t.session.load(segmentInfo(200, 60));
    t.session.destroy();
    await expect(pending).rejects.toThrow(/destroyed/);
  });
});
