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

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

const hashOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

type Options = NonNullable<Parameters<typeof sessionHarness>[0]>;

/**
 * Segment `seq` (due at `start` s, the playhead far from it) is asked of peer `a`, which sends
 * its first half and then stalls; peer `b` holds the segment whole. After 2 s the scheduler
 * cancels the stalled transfer: the session asks `b` for the rest, or, with `peerRanges` off,
 * for the whole segment.
 */
async function stallThenHolder(
  options: Options = {},
  seq = 105,
  start = 30,
  t = sessionHarness({ cdnBody: big, ...options }),
) {
  const a = new StreamingPeer(`a${seq}`);
  const { pending } = await t.loadHeld(a, seq, start);
  expect(a.transfer?.seq).toBe(seq);
  a.chunk(big(seq), 0, SIZE / 2);
  const b = new StreamingPeer(`b${seq}`);
  b.remoteHave.add(seq);
  t.swarm.peers.push(b);
  t.advance(2000);
  t.session.setPlayback({ position: 1, rate: 1 }, true);
  await t.settle();
  return { ...t, a, b, pending };
}

describe('RenditionSession: another holder sends the rest of a segment a peer left half done', () => {
  for (const cutThrough of [true, false]) {
    it(`asks a complete holder only for the rest (cut-through ${cutThrough})`, async () => {
      const t = await stallThenHolder({ session: { cutThrough } });
      expect(t.a.transfer?.options.signal?.aborted).toBe(true);
      expect(t.b.transfer?.seq).toBe(105);
      expect(t.b.transfer?.options.from).toBe(SIZE / 2);
      t.b.chunk(big(105), SIZE / 2, (3 * SIZE) / 4);
      // Relayed on from the first byte: the head, then what the holder sends.
      const arrival = t.session.arrival(105);
      expect(arrival?.received).toBe(cutThrough ? (3 * SIZE) / 4 : undefined);
      if (cutThrough)
        expect(
          same(arrival?.read(0, SIZE / 2) ?? new Uint8Array(), big(105).subarray(0, SIZE / 2)),
        ).toBe(true);
      t.b.chunk(big(105), (3 * SIZE) / 4, SIZE);
      t.b.transfer?.resolve(big(105).subarray(SIZE / 2));
      const loaded = await t.pending;
      expect(same(loaded.bytes, big(105))).toBe(true);
      expect(loaded.source).toBe('p2p');
      expect(loaded.timing.start).toBe(10_000);
      expect(t.cdnUrls).toEqual([]);
      expect(t.counters).toMatchObject({
        p2pBytes: SIZE,
        cdnBytes: 0,
        wastedBytes: 0,
        p2pSegments: 1,
      });
      t.session.destroy();
    });
  }

  it('asks the holder for the whole segment when peerRanges is off', async () => {
    const t = await stallThenHolder({ session: { peerRanges: false } });
    expect(t.b.transfer?.seq).toBe(105);
    expect(t.b.transfer?.options.from).toBeUndefined();
    t.b.chunk(big(105), 0, SIZE);
    t.b.transfer?.resolve(big(105));
    expect(same((await t.pending).bytes, big(105))).toBe(true);
    // The CDN takes ranges, so the head was kept until the holder sent the whole segment.
    expect(t.counters).toMatchObject({ p2pBytes: SIZE, wastedBytes: SIZE / 2 });
    t.session.destroy();
  });

  it('keeps what the holder of the rest sent when it fails too: the CDN sends the tail', async () => {
    const t = await stallThenHolder();
    t.b.chunk(big(105), SIZE / 2, (3 * SIZE) / 4);
    t.session.setPlayback({ position: 27, rate: 1 }, true);
    t.b.transfer?.fail();
    const loaded = await t.pending;
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnRangeHeaders).toEqual([`bytes=${(3 * SIZE) / 4}-`]);
    expect(t.counters).toMatchObject({
      p2pBytes: (3 * SIZE) / 4,
      cdnBytes: SIZE / 4,
      wastedBytes: 0,
    });
    t.session.destroy();
  });

  it('drops the head when the holder gives another size, and does not ask it again', async () => {
    const t = await stallThenHolder();
    const b = t.b;
    b.chunk(big(105), SIZE / 2, SIZE / 2 + 1024, SIZE + 1);
    expect(b.transfer?.options.signal?.aborted).toBe(true);
    t.advance(200);
    t.session.setPlayback({ position: 28, rate: 1 }, true);
    const loaded = await t.pending;
    expect(same(loaded.bytes, big(105))).toBe(true);
    // Both peers are excluded for this segment: the CDN sends it whole.
    expect(t.cdnRangeHeaders).toEqual(['']);
    expect(t.counters).toMatchObject({ p2pBytes: 0, cdnBytes: SIZE, wastedBytes: SIZE / 2 });
    t.session.destroy();
  });

  for (const liar of ['head', 'rest', 'relayed head'] as const) {
    it(`bans only the sender whose part differs from the CDN's copy (the ${liar} lied)`, async () => {
      const verifier = new SegmentVerifier({ hashWaitMs: 50 });
      const liars: [string, number][] = [];
      const options = {
        session: { verifier, onCorruptPeer: (p: string, s: number) => liars.push([p, s]) },
      };
      verifier.addHashes([{ seq: 105, size: SIZE, sha256: hashOf(big(105)) }]);
      const lie = big(105).slice();
      const at = liar === 'rest' ? SIZE - 1 : 100;
      lie[at] = 0xff ^ (lie[at] ?? 0);
      const t = sessionHarness({ cdnBody: big, ...options });
      const a = new StreamingPeer('a105');
      // A relay of 105 (not holding it whole) passes on its upstream's bytes unverified.
      const { pending } = await t.loadHeld(a, 105, 30, liar === 'relayed head');
      a.chunk(lie, 0, SIZE / 2);
      const b = new StreamingPeer('b105');
      b.remoteHave.add(105);
      t.swarm.peers.push(b);
      t.advance(2000);
      t.session.setPlayback({ position: 1, rate: 1 }, true);
      await t.settle();
      expect(b.transfer?.options.from).toBe(SIZE / 2);
      b.chunk(lie, SIZE / 2, SIZE);
      b.transfer?.resolve(lie.subarray(SIZE / 2));
      await t.settle(20);
      // Which of the two lied is not known from the hash: both are excluded and the CDN sends
      // the segment whole. Its copy shows whose part was wrong: only that one is banned.
      const loaded = await pending;
      expect(same(loaded.bytes, big(105))).toBe(true);
      expect(t.cdnRangeHeaders).toEqual(['']);
      // A relay cut off before its end is not blamed for its upstream's bytes.
      const guilty = { head: ['a105'], rest: ['b105'], 'relayed head': [] }[liar];
      expect(t.swarm.banned).toEqual(guilty);
      expect(liars).toEqual(guilty.map((p) => [p, 105]));
      expect(verifier.counters.corruptSegments).toBe(1);
      t.session.destroy();
    });
  }
});

/**
 * Segment 105 (due at 30 s) is asked of a slow peer while the deadline is far; then the
 * playhead is 6 s before it and moves in real time, 250 ms a step, while the peer sends 2 KiB
 * a step (8 B/ms: 8 s for the segment, too slow). A complete holder of the segment, fast
 * (1000 B/ms), has a free slot.
 */
describe('RenditionSession: a too-slow peer transfer hands over to a faster holder', () => {
  const scheduler = { ...DEFAULT_SCHEDULER_CONFIG, initialSegmentBytes: SIZE };

  async function drip(options: Options) {
    const t = sessionHarness({ cdnBody: big, ...options });
    const slow = new StreamingPeer('slow');
    const { pending } = await t.loadHeld(slow, 105, 30);
    const fast = new StreamingPeer('fast');
    fast.remoteHave.add(105);
    // Busy with other requests until the slow transfer started: it is asked for the rest only.
    fast.pendingRequests = DEFAULT_SCHEDULER_CONFIG.maxRequestsPerPeer;
    t.swarm.peers.push(fast);
    expect(slow.transfer?.seq).toBe(105);
    fast.pendingRequests = 0;
    let position = 24;
    let sent = 0;
    while (!fast.transfer && position < 30) {
      t.advance(250);
      position += 0.25;
      slow.chunk(big(105), sent, sent + 2048);
      sent += 2048;
      t.session.setPlayback({ position, rate: 1 }, true);
      await t.settle(0);
    }
    return { ...t, slow, fast, pending, position, sent };
  }

  it('as soon as it would miss, the holder sends the segment (a head under 16 KiB is dropped)', async () => {
    const t = await drip({ session: { scheduler } });
    expect(t.slow.transfer?.options.signal?.aborted).toBe(true);
    // Long before the CDN line (~28 s): the rate since the first byte, 8 B/ms, shows at 25 s
    // that the rest would take past the deadline.
    expect(t.position).toBe(25);
    expect(t.sent).toBe(8 * 1024);
    expect(t.fast.transfer?.options.from).toBeUndefined();
    t.fast.chunk(big(105), 0, SIZE);
    t.fast.transfer?.resolve(big(105));
    const loaded = await t.pending;
    expect(same(loaded.bytes, big(105))).toBe(true);
    expect(t.cdnUrls).toEqual([]);
    expect(t.counters).toMatchObject({ p2pBytes: SIZE, cdnBytes: 0, wastedBytes: 8 * 1024 });
    t.session.destroy();
  });

  it('hands over only at the CDN line when handoverShare is 0: the holder sends the rest', async () => {
    const t = await drip({ session: { scheduler: { ...scheduler, handoverShare: 0 } } });
    expect(t.position).toBeGreaterThanOrEqual(28);
    expect(t.fast.transfer?.options.from).toBe(t.sent);
    t.fast.chunk(big(105), t.sent, SIZE);
    t.fast.transfer?.resolve(big(105).subarray(t.sent));
    expect(same((await t.pending).bytes, big(105))).toBe(true);
    expect(t.counters).toMatchObject({ p2pBytes: SIZE, cdnBytes: 0, wastedBytes: 0 });
    t.session.destroy();
  });
});
