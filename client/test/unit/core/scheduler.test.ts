import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCHEDULER_CONFIG,
  deadlineMs,
  MIN_RANGE_HEAD_BYTES,
  resolveSchedulerConfig,
  schedule,
  type PeerState,
  type SchedulerInput,
  type SegmentState,
} from '../../../src/core/scheduler.js';
import { seederRank, weightedSeederRank } from '../../../src/core/seeder-rank.js';

const config = DEFAULT_SCHEDULER_CONFIG;
const NOW = 1_000_000;

/** A window of 2 s segments 100..(100+n-1), the playhead at the start of 100. */
function input(over: Partial<SchedulerInput> & { segments?: SegmentState[] } = {}): SchedulerInput {
  return {
    now: NOW,
    selfId: 'self',
    segments: [],
    peers: [],
    playback: { position: 200, rate: 1 },
    cdn: { rttMs: 50, throughput: 1000 },
    segmentBytes: 200_000,
    ...over,
  };
}
const seg = (seq: number, over: Partial<SegmentState> = {}): SegmentState => ({
  seq,
  start: 200 + (seq - 100) * 2,
  status: 'missing',
  knownAt: NOW,
  ...over,
});
const peer = (id: string, has: number[], over: Partial<PeerState> = {}): PeerState => ({
  id,
  has: new Set(has),
  pending: 0,
  ...over,
});

/** Segment 101, due in `deadline` ms, coming from peer `a`: `received` of 200 KB in 1 s. */
const slowTransfer = (deadline: number, received: number): SegmentState =>
  seg(101, {
    start: 200 + deadline / 1000,
    status: 'peer',
    transfer: {
      peerId: 'a',
      startedAt: NOW - 1000,
      lastProgressAt: NOW,
      received,
      total: 200_000,
    },
  });

/** A sequence number for which `self` has the wanted seeder rank among `ids`. */
function seqWithRank(rank: number, ids: string[], from = 110): number {
  for (let s = from; ; s++) if (seederRank('self', ids, s) === rank) return s;
}

describe('deadlineMs', () => {
  it('is the media distance over the playback rate', () => {
    expect(deadlineMs(seg(103), { position: 200, rate: 1 })).toBe(6000);
    expect(deadlineMs(seg(103), { position: 200, rate: 2 })).toBe(3000);
    expect(deadlineMs(seg(103, { start: undefined }), { position: 200, rate: 1 })).toBe(Infinity);
  });
});

describe('schedule', () => {
  it('fetches from the CDN when the deadline is near', () => {
    // Segment 100 plays now: no peer has it, deadline 0.
    const actions = schedule(input({ segments: [seg(100)], peers: [peer('a', [])] }), config);
    expect(actions).toEqual([{ type: 'cdn', seq: 100, reason: 'deadline' }]);
  });

  it('asks a peer that holds the segment while time allows, the fastest one', () => {
    const peers = [
      peer('slow', [104], { throughput: 50 }),
      peer('fast', [104], { throughput: 500 }),
    ];
    const actions = schedule(input({ segments: [seg(104)], peers }), config);
    expect(actions).toEqual([{ type: 'peer', seq: 104, peerId: 'fast' }]);
  });

  it('cancels a stalled peer transfer and fetches again (CDN when urgent)', () => {
    const stalled = seg(100, {
      status: 'peer',
      transfer: { peerId: 'a', startedAt: NOW - 3000, lastProgressAt: NOW - 2000, received: 1000 },
    });
    const actions = schedule(input({ segments: [stalled], peers: [peer('a', [100])] }), config);
    expect(actions).toEqual([
      { type: 'cancel', seq: 100, reason: 'stalled' },
      { type: 'cdn', seq: 100, reason: 'deadline' },
    ]);
  });

  it('waits on a relayer that withholds only the final byte (verifying) until the CDN line', () => {
    const transfer = {
      peerId: 'a',
      startedAt: NOW - 5000,
      lastProgressAt: NOW - 3000,
      received: 199_999,
      total: 200_000,
    };
    // 10 s ahead: the relayer may still be waiting for the hash, as we would.
    const far = seg(105, { status: 'peer', transfer });
    expect(schedule(input({ segments: [far], peers: [peer('a', [])] }), config)).toEqual([]);
    // At the CDN line it is a stall like any other (the CDN then brings the last byte).
    const near = seg(100, { status: 'peer', transfer });
    expect(schedule(input({ segments: [near], peers: [peer('a', [])] }), config)).toEqual([
      { type: 'cancel', seq: 100, reason: 'stalled' },
      { type: 'cdn', seq: 100, reason: 'deadline' },
    ]);
    // Two bytes short is an ordinary stall.
    const short = seg(105, { status: 'peer', transfer: { ...transfer, received: 199_998 } });
    expect(schedule(input({ segments: [short], peers: [peer('a', [])] }), config)[0]).toEqual({
      type: 'cancel',
      seq: 105,
      reason: 'stalled',
    });
  });

  it('re-requests a cancelled transfer from another peer when time allows, never the same one', () => {
    const stalled = seg(106, {
      status: 'peer',
      transfer: { peerId: 'a', startedAt: NOW - 3000, lastProgressAt: NOW - 2000, received: 0 },
    });
    const peers = [peer('a', [106], { pending: 1, throughput: 900 }), peer('b', [106])];
    const actions = schedule(input({ segments: [stalled], peers }), config);
    expect(actions).toEqual([
      { type: 'cancel', seq: 106, reason: 'stalled' },
      { type: 'peer', seq: 106, peerId: 'b' },
    ]);
  });

  it('cancels a peer transfer too slow for its deadline while the CDN can still make it', () => {
    // 10 KB of 200 KB in 1 s: 10 B/ms, 19 s left vs a 3 s deadline; CDN needs ~250 ms.
    const slow = slowTransfer(3000, 10_000);
    const actions = schedule(input({ segments: [slow], peers: [peer('a', [101])] }), config);
    expect(actions[0]).toEqual({ type: 'cancel', seq: 101, reason: 'too-slow' });
    // Its only holder failed, 1.75 s of slack left: wait for another holder a little.
    expect(actions).toHaveLength(1);
  });

  it('with CDN ranges, keeps a too-slow transfer until the CDN line of its rest', () => {
    // 40 KB of 200 KB in 1 s: 40 B/ms, 4 s left. The CDN sends the other 160 KB in 50 +
    // 160 ms; with the 1000 ms margin the rest's line is 1210 ms before the deadline.
    const slow = (deadline: number, received = 40_000): SegmentState =>
      slowTransfer(deadline, received);
    const ranged = (s: SegmentState) =>
      schedule(
        input({
          segments: [s],
          peers: [peer('a', [101])],
          cdn: { rttMs: 50, throughput: 1000, ranges: true },
        }),
        config,
      );
    expect(ranged(slow(3000))).toEqual([]);
    expect(ranged(slow(1250))).toEqual([]);
    expect(ranged(slow(1200))).toEqual([
      { type: 'cancel', seq: 101, reason: 'too-slow' },
      { type: 'cdn', seq: 101, reason: 'deadline' },
    ]);
    // A head under MIN_RANGE_HEAD_BYTES is not kept: the whole segment's line (1250 ms).
    const head = MIN_RANGE_HEAD_BYTES - 1;
    expect(ranged(slow(1300, head))).toEqual([]);
    expect(ranged(slow(1240, head))[0]).toEqual({ type: 'cancel', seq: 101, reason: 'too-slow' });
    // A peer that claims a smaller segment than the average (100 KB of 200 KB) does not
    // move the line later: the CDN may have to send the whole average.
    const small = { ...slow(1200), transfer: { ...slow(1200).transfer!, total: 100_000 } };
    expect(ranged(small)[0]).toEqual({ type: 'cancel', seq: 101, reason: 'too-slow' });
    // Without ranges the same transfer is cancelled as soon as it would miss.
    const plain = input({ segments: [slow(3000)], peers: [peer('a', [101])] });
    expect(schedule(plain, config)[0]).toEqual({ type: 'cancel', seq: 101, reason: 'too-slow' });
  });

  it('with peer ranges, hands a too-slow transfer over to a holder that sends the rest in time', () => {
    // 40 KB of 200 KB in 1 s: 40 B/ms, 4 s left vs a 3 s deadline (the CDN line of the rest
    // is 1.2 s before it: no cancel for the CDN yet).
    const slow = slowTransfer(3000, 40_000);
    const run = (
      peers: PeerState[],
      over: Partial<Omit<SchedulerInput, 'segments'>> = {},
      c = config,
    ) =>
      schedule(
        input({
          segments: [slow],
          peers: [peer('a', [101]), ...peers],
          cdn: { rttMs: 50, throughput: 1000, ranges: true },
          peerRanges: true,
          ...over,
        }),
        c,
      );
    // `b` sends the other 160 KB at 400 B/ms in 400 ms: well in time, under half of 4 s.
    expect(run([peer('b', [101], { throughput: 400 })])).toEqual([
      { type: 'cancel', seq: 101, reason: 'too-slow' },
      { type: 'peer', seq: 101, peerId: 'b' },
    ]);
    // Not to a holder that would need more than half the time left (160 KB at 60 B/ms: 2.7 s),
    // nor to one that only relays it (a range is served from a complete segment), nor to
    // one without a free slot, nor without peer ranges or with handoverShare 0.
    expect(run([peer('b', [101], { throughput: 60 })])).toEqual([]);
    expect(run([peer('b', [], { throughput: 400, arriving: new Set([101]) })])).toEqual([]);
    expect(run([peer('b', [101], { throughput: 400, pending: 2 })])).toEqual([]);
    expect(run([peer('b', [101], { throughput: 400 })], { peerRanges: false })).toEqual([]);
    expect(
      run([peer('b', [101], { throughput: 400 })], {}, { ...config, handoverShare: 0 }),
    ).toEqual([]);
  });

  it('with peer ranges, counts only the rest of a segment with a head, from complete holders', () => {
    // 150 KB of 200 KB kept: `slow` (50 B/ms) sends the other 50 KB in 1 s, in time for a 2 s
    // deadline; asked for the whole segment it would need 4 s.
    const headed = seg(101, { start: 202, head: 150_000 });
    const peers = [peer('slow', [101], { throughput: 50 })];
    const over = { cdn: { rttMs: 50, throughput: 1000, ranges: true } };
    expect(
      schedule(input({ segments: [headed], peers, peerRanges: true, ...over }), config),
    ).toEqual([{ type: 'peer', seq: 101, peerId: 'slow' }]);
    // Without peer ranges it is not asked (too slow for the whole segment): the session waits.
    expect(schedule(input({ segments: [headed], peers, ...over }), config)).toEqual([]);
  });

  it('fetches a segment whose holders all failed from the CDN once little slack is left', () => {
    // Deadline 2 s, CDN needs 250 ms + 1000 ms margin: 750 ms of slack, under backupLeadMs.
    const failed = seg(101, { start: 202, excludedPeers: new Set(['a']) });
    const actions = schedule(input({ segments: [failed], peers: [peer('a', [101])] }), config);
    expect(actions).toEqual([{ type: 'cdn', seq: 101, reason: 'retry' }]);
    const early = seg(103, { excludedPeers: new Set(['a']) });
    expect(schedule(input({ segments: [early], peers: [peer('a', [103])] }), config)).toEqual([]);
  });

  it('skips a peer that said it is busy until it expects to be free', () => {
    const peers = [
      peer('busy', [104], { throughput: 900, busyUntil: NOW + 500 }),
      peer('free', [104], { throughput: 100 }),
    ];
    expect(schedule(input({ segments: [seg(104)], peers }), config)).toEqual([
      { type: 'peer', seq: 104, peerId: 'free' },
    ]);
    const later = input({ now: NOW + 600, segments: [seg(104)], peers });
    expect(schedule(later, config)).toEqual([{ type: 'peer', seq: 104, peerId: 'busy' }]);
    // The only holder is saturated and no other neighbour lacks it: we add the copy.
    const alone = input({ segments: [seg(104)], peers: [peers[0]!] });
    expect(schedule(alone, config)).toEqual([{ type: 'cdn', seq: 104, reason: 'busy-seeder' }]);
  });

  it('gives a queued transfer peerFirstByteMs for its first byte, then peerStallMs between bytes', () => {
    const queued = (waited: number): SegmentState =>
      seg(105, {
        status: 'peer',
        transfer: {
          peerId: 'a',
          startedAt: NOW - waited,
          lastProgressAt: NOW - waited,
          received: 0,
        },
      });
    const peers = [peer('a', [105], { pending: 1 })];
    expect(schedule(input({ segments: [queued(1500)], peers }), config)).toEqual([]);
    expect(schedule(input({ segments: [queued(2100)], peers }), config)[0]).toEqual({
      type: 'cancel',
      seq: 105,
      reason: 'stalled',
    });
  });

  it('judges a transfer by its rate since the first byte, not the time it queued', () => {
    // Queued 1.5 s, then 50 KB in 100 ms: 500 B/ms, done in 300 ms; deadline 3 s. Over the
    // whole 1.6 s it would look like 31 B/ms, 4.8 s to go: too slow.
    const t = seg(101, {
      start: 203,
      status: 'peer',
      transfer: {
        peerId: 'a',
        startedAt: NOW - 1600,
        firstAt: NOW - 100,
        lastProgressAt: NOW,
        received: 50_000,
        total: 200_000,
      },
    });
    expect(schedule(input({ segments: [t], peers: [peer('a', [101])] }), config)).toEqual([]);
  });

  it('keeps a healthy peer transfer', () => {
    const ok = seg(104, {
      status: 'peer',
      transfer: {
        peerId: 'a',
        startedAt: NOW - 100,
        lastProgressAt: NOW - 10,
        received: 100_000,
        total: 200_000,
      },
    });
    expect(schedule(input({ segments: [ok], peers: [peer('a', [104])] }), config)).toEqual([]);
  });

  it('gives a small neighbourhood one seeder: the second-ranked only backs up', () => {
    expect(config.seeders).toBeGreaterThan(1);
    const ids = ['a']; // self + 1 peer, under extraSeedersFrom
    const peers = ids.map((id) => peer(id, []));
    const s1 = seqWithRank(1, ids);
    expect(schedule(input({ segments: [seg(s1, { start: 400 })], peers }), config)).toEqual([]);
    const s0 = seqWithRank(0, ids);
    expect(schedule(input({ segments: [seg(s0, { start: 400 })], peers }), config)).toEqual([
      { type: 'cdn', seq: s0, reason: 'seeder' },
    ]);
  });

  it('lets the lowest-hash viewers seed a new live-edge segment and the next one back them up', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const peers = ids.map((id) => peer(id, []));
    // Ranks 0 .. seeders-1 seed at once; the next one backs them up.
    const s0 = seqWithRank(config.seeders - 1, ids);
    expect(schedule(input({ segments: [seg(s0, { start: 400 })], peers }), config)).toEqual([
      { type: 'cdn', seq: s0, reason: 'seeder' },
    ]);
    // CDN needs 250 ms here; the deadline line is at deadline - 250 - cdnMarginMs.
    const line = 250 + config.cdnMarginMs;
    const s1 = seqWithRank(config.seeders, ids);
    const early = seg(s1, { start: 200 + (line + config.backupLeadMs + 500) / 1000 });
    expect(schedule(input({ segments: [early], peers }), config)).toEqual([]);
    const due = seg(s1, { start: 200 + (line + config.backupLeadMs - 100) / 1000 });
    expect(schedule(input({ segments: [due], peers }), config)).toEqual([
      { type: 'cdn', seq: s1, reason: 'backup' },
    ]);
    const s2 = seqWithRank(config.seeders + 1, ids);
    const other = seg(s2, { start: 200 + (line + config.backupLeadMs - 100) / 1000 });
    expect(schedule(input({ segments: [other], peers }), config)).toEqual([]);
  });

  it('adds one CDN copy when the only holder is saturated: the first-ranked viewer without it', () => {
    const seq = (() => {
      for (let q = 110; ; q++) if (seederRank('self', ['b', 'c'], q) === 0) return q;
    })();
    const holder = peer('h', [seq], { busyUntil: NOW + 800 });
    const others = [peer('b', []), peer('c', [])];
    const busy = input({ segments: [seg(seq)], peers: [holder, ...others] });
    expect(schedule(busy, config)).toEqual([{ type: 'cdn', seq, reason: 'busy-seeder' }]);
    // Not saturated (only its request slots are full): wait for it.
    const full = peer('h', [seq], { pending: config.maxRequestsPerPeer });
    expect(schedule(input({ segments: [seg(seq)], peers: [full, ...others] }), config)).toEqual([]);
    // Another viewer without it ranks first: it fetches, we wait.
    const later = (() => {
      for (let q = 110; ; q++) if (seederRank('self', ['b', 'c'], q) === 1) return q;
    })();
    const h2 = peer('h', [later], { busyUntil: NOW + 800 });
    expect(schedule(input({ segments: [seg(later)], peers: [h2, ...others] }), config)).toEqual([]);
  });

  it('asks a neighbour that is still receiving the segment (cut-through), preferring a free complete holder', () => {
    const s = seg(104);
    const relay = peer('relay', [], { arriving: new Set([104]), throughput: 500 });
    // Only a relay has it: ask the relay rather than seeding or waiting.
    expect(schedule(input({ segments: [s], peers: [relay, peer('x', [])] }), config)).toEqual([
      { type: 'peer', seq: 104, peerId: 'relay' },
    ]);
    // A complete holder at the same rate is preferred; a busy one is not.
    const holder = peer('holder', [104], { throughput: 500 });
    expect(schedule(input({ segments: [s], peers: [relay, holder] }), config)).toEqual([
      { type: 'peer', seq: 104, peerId: 'holder' },
    ]);
    const busy = peer('holder', [104], { throughput: 500, busyUntil: NOW + 1000 });
    expect(schedule(input({ segments: [s], peers: [relay, busy] }), config)).toEqual([
      { type: 'peer', seq: 104, peerId: 'relay' },
    ]);
    // A busy relay is skipped like a busy holder; an excluded one too.
    const busyRelay = { ...relay, busyUntil: NOW + 1000 };
    // (a saturated sole holder: one more copy from the CDN, the busy-seeder rule)
    expect(schedule(input({ segments: [s], peers: [busyRelay] }), config)).toEqual([
      { type: 'cdn', seq: 104, reason: 'busy-seeder' },
    ]);
    const excluded = seg(104, { excludedPeers: new Set(['relay']) });
    expect(
      schedule(input({ segments: [excluded], peers: [relay, peer('x', [])] }), config),
    ).not.toContainEqual({ type: 'peer', seq: 104, peerId: 'relay' });
  });

  it('counts an arriving neighbour as a holder: no seeding while one is receiving it', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const s0 = seqWithRank(0, ids);
    const idle = ids.map((id) => peer(id, []));
    expect(schedule(input({ segments: [seg(s0, { start: 400 })], peers: idle }), config)).toEqual([
      { type: 'cdn', seq: s0, reason: 'seeder' },
    ]);
    // 'a' is receiving it and its request slots are full: wait for it, do not seed.
    const relaying = ids.map((id) =>
      peer(
        id,
        [],
        id === 'a' ? { arriving: new Set([s0]), pending: config.maxRequestsPerPeer } : {},
      ),
    );
    expect(
      schedule(input({ segments: [seg(s0, { start: 400 })], peers: relaying }), config),
    ).toEqual([]);
  });

  it('fetches from the CDN at once with no neighbours', () => {
    expect(schedule(input({ segments: [seg(110)] }), config)).toEqual([
      { type: 'cdn', seq: 110, reason: 'alone' },
    ]);
  });

  it('takes announced segments ahead of the playlist from peers only', () => {
    const ahead = seg(120, { start: undefined });
    expect(schedule(input({ segments: [ahead], peers: [peer('a', [])] }), config)).toEqual([]);
    expect(schedule(input({ segments: [ahead], peers: [peer('a', [120])] }), config)).toEqual([
      { type: 'peer', seq: 120, peerId: 'a' },
    ]);
  });

  it('asks for the rarest segment first when several are not urgent', () => {
    const peers = [peer('a', [105, 106], { pending: 1 }), peer('b', [105])];
    const actions = schedule(input({ segments: [seg(105), seg(106)], peers }), {
      ...config,
      maxRequestsPerPeer: 2,
    });
    expect(actions[0]).toEqual({ type: 'peer', seq: 106, peerId: 'a' });
    expect(actions[1]).toEqual({ type: 'peer', seq: 105, peerId: 'b' });
  });

  it('respects the per-peer and CDN request limits', () => {
    const segments = [101, 102, 103, 104].map((s) => seg(s, { start: 200 }));
    const actions = schedule(input({ segments }), { ...config, maxCdnRequests: 2 });
    expect(actions.filter((a) => a.type === 'cdn')).toHaveLength(2);
    const peerActions = schedule(
      input({ segments: [105, 106, 107].map((s) => seg(s)), peers: [peer('a', [105, 106, 107])] }),
      { ...config, maxRequestsPerPeer: 2 },
    );
    expect(peerActions).toHaveLength(2);
  });

  it('never asks a peer for a segment it lacks, never exceeds limits, and is deterministic', () => {
    const arbSegment = fc.record({
      seq: fc.integer({ min: 100, max: 130 }),
      ahead: fc.option(fc.integer({ min: -2000, max: 30_000 }), { nil: undefined }),
      status: fc.constantFrom('missing', 'cdn', 'peer', 'held'),
      age: fc.integer({ min: 0, max: 5000 }),
      stalledFor: fc.integer({ min: 0, max: 5000 }),
      received: fc.integer({ min: 0, max: 200_000 }),
    });
    const arbPeer = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      has: fc.uniqueArray(fc.integer({ min: 100, max: 130 }), { maxLength: 10 }),
      pending: fc.integer({ min: 0, max: 2 }),
      throughput: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbSegment, { selector: (s) => s.seq, maxLength: 12 }),
        fc.uniqueArray(arbPeer, { selector: (p) => p.id, maxLength: 5 }),
        (segs, ps) => {
          const segments: SegmentState[] = segs.map((s) => ({
            seq: s.seq,
            ...(s.ahead !== undefined && { start: 200 + s.ahead / 1000 }),
            status: s.status,
            knownAt: NOW - s.age,
            ...(s.status === 'peer' && {
              transfer: {
                peerId: 'a',
                startedAt: NOW - 6000,
                lastProgressAt: NOW - s.stalledFor,
                received: s.received,
              },
            }),
          }));
          const peers = ps.map((p) => ({ ...p, has: new Set(p.has) }));
          const i = input({ segments, peers });
          const actions = schedule(i, config);
          expect(schedule(i, config)).toEqual(actions);
          const perPeer = new Map<string, number>(peers.map((p) => [p.id, p.pending]));
          const cdnBefore = segments.filter((s) => s.status === 'cdn').length;
          let cdn = 0;
          const started = new Set<number>();
          for (const a of actions) {
            if (a.type === 'cancel') {
              expect(segments.find((s) => s.seq === a.seq)?.status).toBe('peer');
              continue;
            }
            expect(started.has(a.seq), `one fetch per segment ${a.seq}`).toBe(false);
            started.add(a.seq);
            if (a.type === 'cdn') cdn++;
            if (a.type === 'peer') {
              const p = peers.find((x) => x.id === a.peerId);
              expect(p?.has.has(a.seq)).toBe(true);
              perPeer.set(a.peerId, (perPeer.get(a.peerId) ?? 0) + 1);
            }
          }
          expect(cdnBefore + cdn).toBeLessThanOrEqual(Math.max(cdnBefore, config.maxCdnRequests));
          // Cancels free a slot before a re-request, so only the net count is bounded.
          const cancels = actions.filter((a) => a.type === 'cancel').length;
          for (const [, n] of perPeer)
            expect(n).toBeLessThanOrEqual(config.maxRequestsPerPeer + cancels);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('resolveSchedulerConfig', () => {
  it('merges over the defaults and rejects bad values', () => {
    expect(resolveSchedulerConfig({ seeders: 2 }).seeders).toBe(2);
    expect(() => resolveSchedulerConfig({ cdnMarginMs: -1 })).toThrow(RangeError);
    expect(() => resolveSchedulerConfig({ maxCdnRequests: 0 })).toThrow(RangeError);
    expect(() => resolveSchedulerConfig({ peerStallMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('seederRank', () => {
  it('gives each of a neighbourhood a distinct rank and rotates the seeder with seq', () => {
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const firsts = new Map<string, number>();
    for (let seq = 0; seq < 500; seq++) {
      const ranks = ids.map((id) => seederRank(id, ids, seq));
      expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
      const first = ids[ranks.indexOf(0)]!;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // Roughly uniform: each id seeds 100 ± 45 of 500.
    for (const id of ids) expect(firsts.get(id)).toBeGreaterThan(55);
  });
});

describe('weightedSeederRank (capacity-aware seeders)', () => {
  const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
  it('is seederRank at equal weights, distinct ranks at any weights', () => {
    for (let seq = 0; seq < 200; seq++) {
      for (const id of ids) {
        const others = ids.map((o) => ({ id: o, weight: 75 }));
        expect(weightedSeederRank({ id, weight: 75 }, others, seq, 2)).toBe(
          seederRank(id, ids, seq),
        );
      }
      const weights = new Map(ids.map((id, i) => [id, 20 + 40 * i]));
      const all = ids.map((id) => ({ id, weight: weights.get(id)! }));
      const ranks = all.map((v) => weightedSeederRank(v, all, seq, 2));
      expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('makes a fast uplink the first seeder far more often (weight^2 share)', () => {
    const firsts = new Map<string, number>();
    const all = ids.map((id) => ({ id, weight: id === 'p3' ? 300 : 75 }));
    for (let seq = 0; seq < 1000; seq++) {
      const first = all.find((v) => weightedSeederRank(v, all, seq, 2) === 0)!.id;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // p3 has 16x the weight of each other: about 16/20 of the firsts.
    expect(firsts.get('p3')).toBeGreaterThan(700);
    // The scheduler uses the peers' advertised rates: a slow self yields to a fast neighbour.
    const seq = (() => {
      for (let q = 110; ; q++) if (seederRank('self', ['fast'], q) === 0) return q;
    })();
    const s = seg(seq, { start: 400 });
    const plain = schedule(input({ segments: [s], peers: [peer('fast', [])] }), config);
    expect(plain).toEqual([{ type: 'cdn', seq, reason: 'seeder' }]);
    const weighted = schedule(
      input({
        segments: [s],
        peers: [peer('fast', [], { uploadRate: 1000 })],
        selfUploadRate: 10,
      }),
      { ...config, extraSeedersFrom: 10 },
    );
    expect(weighted).toEqual([]);
  });
});
