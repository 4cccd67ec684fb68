import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RenditionSessionOptions, SessionPeer } from '../../../src/core/rendition-session.js';
import { SegmentVerifier } from '../../../src/core/segment-verifier.js';
import {
  bytesOf,
  segmentInfo,
  sessionHarness,
  StreamingPeer,
} from '../../support/session-fakes.js';

function setup(session: Partial<RenditionSessionOptions> = {}) {
  const t = sessionHarness({ session });
  const arriving: [number[], number[]][] = [];
  Object.assign(t.swarm, {
    announceArriving: (added: number[], removed: number[]) => arriving.push([added, removed]),
  });
  const peer = new StreamingPeer('a');
  peer.remoteHave.add(105);
  const peers: SessionPeer[] = t.swarm.peers; // the fake swarm takes any SessionPeer
  peers.push(peer);
  t.session.setPlayback({ position: 0, rate: 1 }, true);
  t.session.updatePlaylist([segmentInfo(105, 30)]);
  return { ...t, arriving, peer };
}

describe('RenditionSession: segments arriving from peers (cut-through)', () => {
  it('announces a segment on its first bytes, exposes them to relays, completes it when stored', async () => {
    const t = setup();
    const pending = t.session.load(segmentInfo(105, 30));
    await t.settle();
    expect(t.peer.transfer?.seq).toBe(105);
    expect(t.session.arrival(105)).toBeUndefined();
    const bytes = bytesOf(105);
    t.peer.chunk(bytes, 0, 400);
    const arrival = t.session.arrival(105);
    expect(arrival?.state).toBe('arriving');
    expect(arrival?.received).toBe(400);
    expect(arrival?.read(0, 400)).toEqual(bytes.subarray(0, 400));
    expect(arrival?.read(0, 401)).toBeUndefined();
    expect(t.arriving).toEqual([[[105], []]]);
    expect(t.session.arrivingSeqs()).toEqual([105]);
    t.peer.chunk(bytes, 400, 1000);
    t.peer.transfer?.resolve(bytes);
    expect((await pending).source).toBe('p2p');
    expect(arrival?.state).toBe('complete');
    expect(arrival?.bytes).toEqual(bytes);
    expect(t.session.arrival(105)).toBeUndefined();
    expect(t.swarm.announced).toContain(105); // the have-delta supersedes `arriving`
    expect(t.arriving).toEqual([[[105], []]]); // no retraction
    t.session.destroy();
  });

  it('retracts the segment and fails the arrival when the transfer fails', async () => {
    const t = setup();
    void t.session.load(segmentInfo(105, 30)).catch(() => undefined);
    await t.settle();
    t.peer.chunk(bytesOf(105), 0, 400);
    const arrival = t.session.arrival(105);
    t.peer.transfer?.fail();
    await t.settle();
    expect(arrival?.state).toBe('failed');
    expect(t.session.arrival(105)).toBeUndefined();
    expect(t.arriving).toEqual([
      [[105], []],
      [[], [105]],
    ]);
    t.session.destroy();
  });

  it('fails the arrival (relays answer absent) when the complete bytes do not verify', async () => {
    const verifier = new SegmentVerifier({ hashWaitMs: 50 });
    const good = bytesOf(105);
    verifier.addHashes([
      { seq: 105, size: 1000, sha256: createHash('sha256').update(good).digest('hex') },
    ]);
    const t = setup({ verifier });
    const pending = t.session.load(segmentInfo(105, 30));
    await t.settle();
    const lie = Uint8Array.from(good);
    lie[999] = 0xff ^ (lie[999] ?? 0);
    t.peer.chunk(lie, 0, 500);
    const arrival = t.session.arrival(105);
    t.peer.chunk(lie, 500, 1000);
    t.peer.transfer?.resolve(lie);
    expect((await pending).source).toBe('cdn');
    expect(arrival?.state).toBe('failed');
    expect(arrival?.bytes).toBeUndefined();
    expect(t.swarm.banned).toEqual(['a']); // the liar, as before
    expect(t.arriving.at(-1)).toEqual([[], [105]]);
    t.session.destroy();
  });

  it('with cutThrough off, announces nothing and relays nothing', async () => {
    const { arriving, peer, ...t } = setup({ cutThrough: false });
    const pending = t.session.load(segmentInfo(105, 30));
    await t.settle();
    peer.chunk(bytesOf(105), 0, 400);
    expect(t.session.arrival(105)).toBeUndefined();
    peer.transfer?.resolve(bytesOf(105));
    await pending;
    expect(arriving).toEqual([]);
    t.session.destroy();
  });
});
