import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG } from '../../../src/core/scheduler.js';
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
  relay = false,
) {
  const liars: [string, number][] = [];
  const t = sessionHarness({
    cdnBody: big,
    ...options,
    session: { onCorruptPeer: (p, s) => liars.push([p, s]), ...options.session },
  });
  const peer = new StreamingPeer('a');
  const { pending } = await t.loadHeld(peer, 105, 30, relay);
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

  it('stops asking for ranges once the CDN answered one whole', async () => {
    const t = sessionHarness({ cdnBody: big, cdnRanges: false });
    for (const [seq, start] of [
      [105, 30],
      [106, 40],
    ] as const) {
      const peer = new StreamingPeer(`p${seq}`);
      const { pending } = await t.loadHeld(peer, seq, start);
      peer.chunk(big(seq), 0, SIZE / 2, SIZE);
      t.session.setPlayback({ position: start - 1.5, rate: 1 }, true);
      peer.transfer?.fail();
      expect(same((await pending).bytes, big(seq))).toBe(true);
    }
    // The second head is not worth keeping: that CDN would send the segment whole anyway.
    expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`, '']);
    expect(t.counters).toMatchObject({ p2pBytes: 0, cdnBytes: 2 * SIZE, wastedBytes: SIZE });
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

  it("does not ban a relay cut off before its end: its head is its upstream's bytes", async () => {
    const verifier = new SegmentVerifier({ hashWaitMs: 50 });
    verifier.addHashes([
      { seq: 105, size: SIZE, sha256: createHash('sha256').update(big(105)).digest('hex') },
    ]);
    const lie = (b: Uint8Array): Uint8Array => {
      const out = b.slice();
      out[100] = 0xff ^ (out[100] ?? 0);
      return out;
    };
    // `a` relays 105 as it arrives: an honest relay of a liar sends the liar's bytes, and it
    // withholds only the last byte until its own check (which then fails and bans the liar).
    const t = await halfFromPeer({ session: { verifier } }, lie, SIZE, true);
    const loaded = await t.stall();
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnRangeHeaders).toEqual([`bytes=${SIZE / 2}-`, '']);
    expect(t.swarm.banned).toEqual([]);
    expect(t.liars).toEqual([]);
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

/**
 * Segment `seq` (due at `start` s) is asked of a peer while the deadline is far; then the
 * playhead is 6 s before it and moves in real time, 250 ms a step, while the peer sends
 * 2 KiB a step (8 B/ms: 8 s for the segment, too slow). Steps on until the segment is
 * loaded and checks its bytes. Returns where the playhead was when the session cancelled the
 * transfer, the bytes the peer had sent by then, and where it was when the segment loaded.
 */
async function dripUntilCancelled(
  t: ReturnType<typeof sessionHarness>,
  seq: number,
  start: number,
) {
  const peer = new StreamingPeer(`slow-${seq}`);
  const { pending } = await t.loadHeld(peer, seq, start);
  const transfer = peer.transfer;
  expect(transfer?.seq).toBe(seq);
  let loaded: Awaited<typeof pending> | undefined;
  void pending.then((l) => (loaded = l));
  let position = start - 6;
  let sent = 0;
  let at: number | undefined;
  while (!loaded && position < start) {
    t.advance(250);
    position += 0.25;
    if (at === undefined) {
      peer.chunk(big(seq), sent, sent + 2048, SIZE);
      sent += 2048;
    }
    t.session.setPlayback({ position, rate: 1 }, true);
    await t.settle(0);
    if (at === undefined && transfer?.options.signal?.aborted) at = position;
  }
  expect(at).toBeDefined();
  expect(loaded && same(loaded.bytes, big(seq))).toBe(true);
  return { at: at ?? NaN, sent, loadedAt: position };
}

describe('RenditionSession: a too-slow peer transfer', () => {
  // No segment loaded yet: the scheduler assumes our 64 KiB segments, not its 250 KB default.
  const scheduler = { ...DEFAULT_SCHEDULER_CONFIG, initialSegmentBytes: SIZE };

  it('keeps sending until the CDN line of what it has not sent; the CDN sends only that', async () => {
    const t = sessionHarness({ cdnBody: big, session: { scheduler } });
    const { at, sent, loadedAt } = await dripUntilCancelled(t, 105, 30);
    // The CDN (300 ms, 1 Mbit/s assumed) needs ~0.7 s for the rest, plus the 1 s margin:
    // the peer sent for ~4.5 s, not 1 s as when it was cancelled as soon as it would miss.
    expect(at).toBeGreaterThanOrEqual(28);
    expect(loadedAt).toBeLessThan(30);
    expect(t.cdnRangeHeaders).toEqual([`bytes=${sent}-`]);
    expect(t.counters).toMatchObject({ p2pBytes: sent, cdnBytes: SIZE - sent, wastedBytes: 0 });
    t.session.destroy();
  });

  it('is cancelled as soon as it would miss when ranges are off', async () => {
    const t = sessionHarness({ cdnBody: big, session: { scheduler, cdnRanges: false } });
    const { at, loadedAt } = await dripUntilCancelled(t, 105, 30);
    expect(at).toBeLessThanOrEqual(25);
    expect(loadedAt).toBeLessThan(30);
    expect(t.cdnRangeHeaders).toEqual(['']);
    t.session.destroy();
  });

  it('is cancelled as soon as it would miss once the CDN ignored a range', async () => {
    const t = sessionHarness({ cdnBody: big, cdnRanges: false, session: { scheduler } });
    const first = await dripUntilCancelled(t, 105, 30);
    expect(first.at).toBeGreaterThanOrEqual(28);
    expect(first.loadedAt).toBeLessThan(30);
    // The CDN sent it whole: the peer's head is wasted, and later heads are not waited for.
    expect(t.cdnRangeHeaders).toEqual([`bytes=${first.sent}-`]);
    expect(t.counters.wastedBytes).toBe(first.sent);
    const second = await dripUntilCancelled(t, 106, 40);
    expect(second.at).toBeLessThanOrEqual(35);
    expect(second.loadedAt).toBeLessThan(40);
    t.session.destroy();
  });
});
