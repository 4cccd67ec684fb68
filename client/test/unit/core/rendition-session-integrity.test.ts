import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cdnFetchMs, cdnLineMs, DEFAULT_SCHEDULER_CONFIG } from '../../../src/core/scheduler.js';
import { SegmentVerifier } from '../../../src/core/segment-verifier.js';
import { bytesOf, FakePeer, segmentInfo, sessionHarness } from '../../support/session-fakes.js';

const hashOf = (seq: number) => ({
  seq,
  size: 1000,
  sha256: createHash('sha256').update(bytesOf(seq)).digest('hex'),
});

/**
 * A session that checks peer bytes against published hashes, with one peer `a`. The
 * verifier's hash waits are the test's: `hashWaits` lists each wait asked (ms) and `expire()`
 * ends them all (the hash did not come in time).
 */
function setup(cdnBody?: (seq: number) => Uint8Array<ArrayBuffer>, hashWaitMaxMs = 60_000) {
  const waits = new Map<number, () => void>();
  let nextTimer = 1;
  const hashWaits: number[] = [];
  const verifier = new SegmentVerifier(
    { hashWaitMs: 50, hashWaitMaxMs },
    {
      setTimeout: (fn, ms) => {
        hashWaits.push(ms);
        waits.set(nextTimer, fn);
        return nextTimer++;
      },
      clearTimeout: (h) => waits.delete(h as number),
    },
  );
  const expire = (): void => {
    const due = [...waits.values()];
    waits.clear();
    for (const fn of due) fn();
  };
  const liars: [string, number][] = [];
  const t = sessionHarness({
    ...(cdnBody && { cdnBody }),
    session: { verifier, onCorruptPeer: (peerId, seq) => liars.push([peerId, seq]) },
  });
  const peer = new FakePeer('a');
  t.swarm.peers.push(peer);
  return { ...t, peer, verifier, liars, hashWaits, expire };
}

/** A segment 30 s ahead that the peer holds: the session asks the peer first. */
async function askPeer(t: ReturnType<typeof setup>, seq: number) {
  t.peer.remoteHave.add(seq);
  t.session.setPlayback({ position: 0, rate: 1 }, true);
  t.session.updatePlaylist([segmentInfo(seq, 30)]);
  const pending = t.session.load(segmentInfo(seq, 30));
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
    await t.settle();
    expect(t.cdnUrls).toEqual([]);
    t.expire();
    const loaded = await pending;
    expect(loaded.source).toBe('cdn');
    expect(t.swarm.banned).toEqual([]);
    expect(t.verifier.counters.unverifiedSegments).toBe(1);
    t.session.destroy();
  });

  it('waits for a late hash up to the CDN deadline line, never less than hashWaitMs', async () => {
    const t = setup();
    t.verifier.addHashes([]);
    const { pending } = await askPeer(t, 105);
    t.peer.requests[0]?.resolve(bytesOf(105));
    await t.settle();
    // 30 s ahead: the wait lasts until the segment would have to go to the CDN.
    const line = cdnLineMs(
      { seq: 105, start: 30, status: 'missing', knownAt: 0 },
      { position: 0, rate: 1 },
      cdnFetchMs({}, undefined, DEFAULT_SCHEDULER_CONFIG),
      DEFAULT_SCHEDULER_CONFIG,
    );
    expect(t.hashWaits).toEqual([line]);
    expect(line).toBeGreaterThan(20_000);
    // Past the peer stall timeout, the complete transfer is not cancelled while it waits.
    t.advance(DEFAULT_SCHEDULER_CONFIG.peerStallMs + 1000);
    t.session.setPlayback({ position: 3, rate: 1 }, true);
    await t.settle();
    expect(t.cdnUrls).toEqual([]);
    t.verifier.addHashes([hashOf(105)]);
    expect((await pending).source).toBe('p2p');

    // Near its deadline, a segment waits only hashWaitMs.
    t.peer.remoteHave.add(106);
    t.session.updatePlaylist([segmentInfo(105, 30), segmentInfo(106, 3.5)]);
    const near = t.session.load(segmentInfo(106, 3.5));
    await t.settle();
    t.peer.requests.find((r) => r.seq === 106)?.resolve(bytesOf(106));
    await t.settle();
    expect(t.hashWaits).toEqual([line, 50]);
    t.expire();
    expect((await near).source).toBe('cdn');
    t.session.destroy();
  });

  it('waits no longer than hashWaitMaxMs, however far the deadline', async () => {
    const t = setup(undefined, 5000);
    t.verifier.addHashes([]);
    const { pending } = await askPeer(t, 105);
    t.peer.requests[0]?.resolve(bytesOf(105));
    await t.settle();
    expect(t.hashWaits).toEqual([5000]);
    t.expire();
    expect((await pending).source).toBe('cdn');
    t.session.destroy();
  });

  it('plays CDN bytes that fail the hash but does not share them', async () => {
    const t = setup((seq) => new Uint8Array(1000).fill((seq + 1) % 256));
    t.swarm.peers = [];
    t.verifier.addHashes([hashOf(100)]);
    t.session.updatePlaylist([segmentInfo(100, 0)]);
    const loaded = await t.session.load(segmentInfo(100, 0));
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
    t.session.updatePlaylist([segmentInfo(100, 0), segmentInfo(101, 2)]);
    await t.session.load(segmentInfo(100, 0));
    await t.session.load(segmentInfo(101, 2));
    await t.settle();
    expect(t.swarm.announced).toEqual(expect.arrayContaining([100, 101]));
    t.session.destroy();
  });
});
