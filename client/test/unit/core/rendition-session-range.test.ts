import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SegmentVerifier } from '../../../src/core/segment-verifier.js';
import { sessionHarness, StreamingPeer } from '../../support/session-fakes.js';

const SIZE = 64 * 1024;

/** Segment `seq`: 64 KiB of a pattern that differs per byte and per segment. */
const big = (seq: number): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = (i * 7 + seq) & 0xff;
  return out;
};

type Options = NonNullable<Parameters<typeof sessionHarness>[0]>;

/**
 * Segment 105 (due at 30 s) is asked of peer `a`, which sends its first half and then stalls;
 * the playhead then jumps to 27 s and 2 s pass, so the scheduler cancels the stalled transfer
 * and the CDN must bring the segment before its deadline.
 */
async function halfFromPeer(
  options: Options = {},
  head: (bytes: Uint8Array) => Uint8Array = (b) => b,
  claimedTotal = SIZE,
) {
  const liars: [string, number][] = [];
  const t = sessionHarness({
    cdnBody: big,
    ...options,
    session: { onCorruptPeer: (p, s) => liars.push([p, s]), ...options.session },
  });
  const peer = new StreamingPeer('a');
  const { pending } = await t.loadHeld(peer, 105, 30);
  expect(peer.transfer?.seq).toBe(105);
  peer.chunk(head(big(105)), 0, SIZE / 2, claimedTotal);
  return {
    ...t,
    peer,
    liars,
    /** The transfer stalls and the deadline comes near: returns the loaded segment. */
    stall: async () => {
      t.advance(2000);
      t.session.setPlayback({ position: 27, rate: 1 }, true);
      const loaded = await pending;
      t.session.destroy();
      return loaded;
    },
    pending,
  };
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('RenditionSession: a CDN range completes what a peer left half done', () => {
  for (const cutThrough of [true, false]) {
    it(`asks the CDN only for the rest after a stall (cut-through ${cutThrough})`, async () => {
      const t = await halfFromPeer({ session: { cutThrough } });
      const loaded = await t.stall();
      expect(same(loaded.bytes, big(105))).toBe(true);
      expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`]);
      expect(t.counters).toMatchObject({
        p2pBytes: SIZE / 2,
        cdnBytes: SIZE / 2,
        wastedBytes: 0,
        cdnSegments: 1,
      });
      expect(loaded.source).toBe('cdn');
      // For ABR: from the peer request (at 10 s on the test clock) to the CDN's last byte.
      expect(loaded.timing.start).toBe(10_000);
      expect(loaded.timing.end).toBeGreaterThanOrEqual(12_000);
    });
  }

  for (const cutThrough of [true, false]) {
    it(`keeps a copy of the head: a transport may reuse a chunk's memory (cut-through ${cutThrough})`, async () => {
      let delivered: Uint8Array | undefined;
      const t = await halfFromPeer({ session: { cutThrough } }, (b) => (delivered = b));
      delivered?.fill(0);
      const loaded = await t.stall();
      expect(same(loaded.bytes, big(105))).toBe(true);
      expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`]);
    });
  }

  it('keeps the bytes of a peer that disconnects mid-transfer', async () => {
    const t = await halfFromPeer();
    t.advance(200);
    t.session.setPlayback({ position: 27, rate: 1 }, true);
    t.peer.transfer?.fail();
    const loaded = await t.pending;
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`]);
    expect(t.counters).toMatchObject({ p2pBytes: SIZE / 2, cdnBytes: SIZE / 2, wastedBytes: 0 });
    t.session.destroy();
  });

  it('bans a peer whose head does not verify and fetches the segment whole', async () => {
    const verifier = new SegmentVerifier({ hashWaitMs: 50 });
    verifier.addHashes([
      { seq: 105, size: SIZE, sha256: createHash('sha256').update(big(105)).digest('hex') },
    ]);
    const t = await halfFromPeer({ session: { verifier } }, (b) => {
      const lie = b.slice();
      lie[100] = 0xff ^ (lie[100] ?? 0);
      return lie;
    });
    const loaded = await t.stall();
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`, '']);
    expect(t.swarm.banned).toEqual(['a']);
    expect(t.liars).toEqual([['a', 105]]);
    expect(t.counters).toMatchObject({ p2pBytes: 0, wastedBytes: SIZE / 2 });
    expect(verifier.counters.corruptSegments).toBe(1);
  });

  it('passes a verified head and tail', async () => {
    const verifier = new SegmentVerifier({ hashWaitMs: 50 });
    verifier.addHashes([
      { seq: 105, size: SIZE, sha256: createHash('sha256').update(big(105)).digest('hex') },
    ]);
    const t = await halfFromPeer({ session: { verifier } });
    const loaded = await t.stall();
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.swarm.banned).toEqual([]);
    expect(verifier.counters.verifiedSegments).toBe(1);
    expect(t.counters.p2pBytes).toBe(SIZE / 2);
  });

  it('takes the whole segment from a CDN without ranges; the head counts as wasted', async () => {
    const t = await halfFromPeer({ cdnRanges: false });
    const loaded = await t.stall();
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.counters).toMatchObject({ p2pBytes: 0, cdnBytes: SIZE, wastedBytes: SIZE / 2 });
  });

  it('asks for the whole segment when the peer claimed another size than the CDN has', async () => {
    const t = await halfFromPeer({}, (b) => b, SIZE + 5000);
    const loaded = await t.stall();
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`, '']);
    expect(t.counters).toMatchObject({ p2pBytes: 0, wastedBytes: SIZE / 2 });
  });

  it('sends no range when cdnRanges is off', async () => {
    const t = await halfFromPeer({ session: { cdnRanges: false } });
    const loaded = await t.stall();
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnRangeHeaders).toEqual(['']);
    expect(t.counters).toMatchObject({ p2pBytes: 0, cdnBytes: SIZE, wastedBytes: SIZE / 2 });
  });
});
