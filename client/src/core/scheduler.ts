/**
 * The buffer scheduler: for every segment of one rendition's window it decides whether to
 * wait, ask a peer, or fetch from the CDN. A pure function of the state it is given and the
 * clock value in it, so it is unit-tested and simulated deterministically.
 *
 * - Deadline of a segment = (its media start - playhead) / playback rate. Once the deadline
 *   is closer than a CDN fetch needs (measured RTT + size / throughput + margin), the CDN
 *   fetches it now: the CDN is the safety net.
 * - Before that, peers: among segments some neighbour holds, the rarest first, each from the
 *   peer with the best expected finish time, a few requests per peer; a neighbour that said
 *   its upload is saturated (`busy`) is skipped until it expects to be free.
 * - A new live-edge segment nobody holds enters the neighbourhood from the CDN about once:
 *   the viewer whose hash(peerId, seq) is lowest among itself and its neighbours fetches it
 *   at once, the second lowest `backupLeadMs` before the deadline line; the others wait for
 *   an announcement until their own deadline line.
 * - A peer transfer that stalls is cancelled and the segment fetched again: from another
 *   holder while time allows, from the CDN once the deadline line is near. One that will
 *   finish in time is kept.
 * - A peer transfer too slow for its deadline is cancelled while the CDN can still make it.
 *   When the CDN completes a peer's head with a range request (`cdn.ranges`), it keeps
 *   sending until the CDN line of the bytes it will not bring, and the CDN sends only those:
 *   every byte it brought counts (bench/sim, 1k viewers, seeds 1-3: wasted peer bytes
 *   2.4 % -> 0.4 %, offload 66.2 -> 66.8 % of the bound on average). Otherwise it is
 *   cancelled as soon as it would miss, so that another holder may still make it.
 * - With peer ranges (`peerRanges`), a kept head is completed by a complete holder that sends
 *   only the rest, and a too-slow transfer hands over at once to a complete holder with a free
 *   slot that would send the rest in time and in at most `handoverShare` of the time it still
 *   needs (bench/sim, 1k viewers, seeds 1-3: 66.8 -> 68.2 % of the bound on average).
 */
import { seederRank, weightedSeederRank } from './seeder-rank.js';
import { RELAY_WITHHELD_BYTES } from './wire.js';

/**
 * A peer transfer's head shorter than this many bytes is not worth a range request: the CDN
 * sends the segment whole.
 */
export const MIN_RANGE_HEAD_BYTES = 16 * 1024;

/** Scheduler thresholds. Every one has a documented default. */
export interface SchedulerConfig {
  /** Slack kept between a CDN fetch's expected finish and the deadline, ms. @default 1000 */
  cdnMarginMs: number;
  /** CDN round trip assumed before one is measured, ms. @default 300 */
  initialCdnRttMs: number;
  /** CDN throughput assumed before one is measured, bytes/ms (125 = 1 Mbit/s). @default 125 */
  initialCdnThroughput: number;
  /** Peer throughput assumed before one is measured, bytes/ms. @default 125 */
  initialPeerThroughput: number;
  /** Segment size assumed before one is seen, bytes. @default 250000 */
  initialSegmentBytes: number;
  /**
   * Viewers per neighbourhood that fetch a new live-edge segment from the CDN at once. When
   * every holder of a segment said it is busy (its upload is saturated) and there are at most
   * this many, the lowest-ranked viewer that lacks it fetches one more copy. A whole-segment
   * hop takes about a segment duration on a typical uplink, so one saturated source cannot
   * reach its neighbourhood before the deadline; two do better (bench/sim: 43 % offload vs
   * 38 % with 1, 500 viewers, upload 1.2x). @default 2
   */
  seeders: number;
  /**
   * Smallest neighbourhood (this viewer and its peers) that gets more than one seeder; a
   * smaller one gets one. In a neighbourhood of 2–5 a second CDN copy is 20–50 % of its bytes,
   * and one viewer would win every race for the live edge and never serve. @default 6
   */
  extraSeedersFrom: number;
  /**
   * The next-ranked (backup) viewer fetches a segment nobody announced once its slack before
   * the CDN deadline line is under this, ms: before everyone else would. @default 1000
   */
  backupLeadMs: number;
  /** Parallel requests to one peer. @default 2 */
  maxRequestsPerPeer: number;
  /** Parallel CDN requests. @default 2 */
  maxCdnRequests: number;
  /** A peer transfer with no progress for this long is cancelled, ms. @default 1200 */
  peerStallMs: number;
  /**
   * A peer transfer with no byte yet is cancelled after this long, ms: the uploader may queue
   * it behind its other uploads (up to its `maxServingWaitMs`). @default 2000
   */
  peerFirstByteMs: number;
  /** Extra slack a peer transfer must keep over its deadline, ms. @default 300 */
  peerSlackMs: number;
  /**
   * Added to the expected finish of a neighbour that is still receiving the segment (cut-
   * through relay: it sends no faster than its own upstream), so that a free complete holder
   * is preferred, ms. @default 500
   */
  arrivingPenaltyMs: number;
  /**
   * Seeders are chosen by weighted rendezvous hashing on advertised upload rates, weight =
   * rate^capacityExponent (a viewer without one counts at `initialPeerThroughput`); 0 = plain
   * hashing, every viewer alike. Fast uplinks bring segments in and pass them on (bench/sim,
   * 1k viewers: 0 -> 47 %, 2 -> 54 %, 3 -> 57 % of the bound with cut-through). @default 3
   */
  capacityExponent: number;
  /**
   * With `peerRanges`, a peer transfer too slow for its deadline hands the rest over to another
   * complete holder that would send it in time and in at most this share of the time the
   * transfer still needs; 0 = never (the rest goes to a holder only once the transfer ended).
   * @default 0.5
   */
  handoverShare: number;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  cdnMarginMs: 1000,
  initialCdnRttMs: 300,
  initialCdnThroughput: 125,
  initialPeerThroughput: 125,
  initialSegmentBytes: 250_000,
  seeders: 2,
  extraSeedersFrom: 6,
  backupLeadMs: 1000,
  maxRequestsPerPeer: 2,
  maxCdnRequests: 2,
  peerStallMs: 1200,
  peerFirstByteMs: 2000,
  peerSlackMs: 300,
  arrivingPenaltyMs: 500,
  capacityExponent: 3,
  handoverShare: 0.5,
};

/** A transfer in flight for a segment. */
export interface TransferState {
  /** The peer it comes from; undefined for the CDN. */
  peerId?: string;
  startedAt: number;
  /** Last time bytes arrived (startedAt before the first). */
  lastProgressAt: number;
  /** When the first bytes arrived. */
  firstAt?: number;
  /** End of the bytes in so far (from `from`, or 0). */
  received: number;
  /** A ranged peer transfer's first byte: the bytes before it are the segment's `head`. */
  from?: number;
  /** Segment size once the first chunk told it. */
  total?: number;
  /**
   * Every byte is in and waits for the segment's published hash (never cancelled: the session
   * ends the wait by the CDN deadline line, or at `hashWaitMaxMs`).
   */
  verifying?: boolean;
}

/** One segment of the window as the scheduler sees it. */
export interface SegmentState {
  /** Media sequence number. */
  seq: number;
  /**
   * Media time at which the segment starts playing, seconds, in the playhead's timeline.
   * Undefined for a segment a peer announced before our playlist listed it: no deadline,
   * fetched from peers only.
   */
  start?: number;
  /** 'held' once the bytes are in the store. */
  status: 'missing' | 'cdn' | 'peer' | 'held';
  /** When this viewer first learned of the segment (playlist or announcement), ms. */
  knownAt: number;
  transfer?: TransferState;
  /** Peers that failed or lied for this segment: not asked again. */
  excludedPeers?: ReadonlySet<string>;
  /**
   * Bytes of the segment a cancelled or failed peer transfer left (a kept head): a complete
   * holder can send the rest (`peerRanges`), the CDN too (`cdn.ranges`).
   */
  head?: number;
}

/** A connected neighbour as the scheduler sees it. */
export interface PeerState {
  id: string;
  /** Segments it announced it holds. */
  has: ReadonlySet<number>;
  /** Segments it announced it is receiving: it relays them as they arrive. */
  arriving?: ReadonlySet<number>;
  /** Our requests to it in flight. */
  pending: number;
  /** Measured throughput to us, bytes/ms. */
  throughput?: number;
  /** Until when (clock ms) it said its upload is saturated: not asked before. */
  busyUntil?: number;
  /** Its advertised upload rate, bytes/ms. */
  uploadRate?: number;
}

export interface PlaybackState {
  /** Playhead, seconds, same timeline as `SegmentState.start`. */
  position: number;
  /** Playback rate; 0 when paused. */
  rate: number;
}

export interface SchedulerInput {
  now: number;
  selfId: string;
  /** Segments from the playhead to the live edge (and announced ones past it). */
  segments: readonly SegmentState[];
  /** Connected neighbours. */
  peers: readonly PeerState[];
  playback: PlaybackState;
  cdn: {
    rttMs?: number;
    throughput?: number;
    /**
     * The CDN sends only the rest of a segment a peer transfer left part way (`Range:
     * bytes=N-`, and it has not ignored one). @default false
     */
    ranges?: boolean;
  };
  /**
   * Peers send the rest of a segment whose head another peer sent (ranged requests): a peer
   * transfer too slow for its deadline hands over to a faster complete holder, keeping its
   * bytes. @default false
   */
  peerRanges?: boolean;
  /** Average segment size seen so far, bytes. */
  segmentBytes?: number;
  /** Our own upload rate as we advertise it, bytes/ms. */
  selfUploadRate?: number;
}

export type SchedulerAction =
  | {
      type: 'cdn';
      seq: number;
      reason: 'deadline' | 'seeder' | 'backup' | 'alone' | 'retry' | 'busy-seeder';
    }
  | { type: 'peer'; seq: number; peerId: string }
  | { type: 'cancel'; seq: number; reason: 'stalled' | 'too-slow' };

/** The bytes of a transfer ended now that the session keeps as a head: 0 under a range's worth. */
function keptHead(t: TransferState): number {
  return t.received >= MIN_RANGE_HEAD_BYTES ? t.received : 0;
}

/** Milliseconds until a segment must be playable; -Infinity-safe, Infinity without a start. */
export function deadlineMs(segment: SegmentState, playback: PlaybackState): number {
  if (segment.start === undefined) return Infinity;
  const ahead = segment.start - playback.position;
  if (playback.rate <= 0) return ahead > 0 ? Infinity : 0;
  return (ahead / playback.rate) * 1000;
}

/** Expected time of a whole-segment CDN fetch, ms: the measured (else default) RTT and rate. */
export function cdnFetchMs(
  cdn: SchedulerInput['cdn'],
  segmentBytes: number | undefined,
  config: SchedulerConfig,
): number {
  const size = segmentBytes ?? config.initialSegmentBytes;
  return (
    (cdn.rttMs ?? config.initialCdnRttMs) + size / (cdn.throughput ?? config.initialCdnThroughput)
  );
}

/**
 * Time left before a segment must go to the CDN (its deadline less a CDN fetch and
 * `cdnMarginMs`), ms; 0 or less: now. Infinity without a deadline.
 */
export function cdnLineMs(
  segment: SegmentState,
  playback: PlaybackState,
  cdnMs: number,
  config: SchedulerConfig,
): number {
  return deadlineMs(segment, playback) - cdnMs - config.cdnMarginMs;
}

/** Merges and validates a partial config; throws RangeError on a bad value. */
export function resolveSchedulerConfig(partial: Partial<SchedulerConfig> = {}): SchedulerConfig {
  const c = { ...DEFAULT_SCHEDULER_CONFIG, ...partial };
  for (const [k, v] of Object.entries(c)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`scheduler config ${k} must be a finite number >= 0, got ${String(v)}`);
    }
  }
  if (c.maxRequestsPerPeer < 1 || c.maxCdnRequests < 1) {
    throw new RangeError('scheduler config maxRequestsPerPeer and maxCdnRequests must be >= 1');
  }
  return c;
}

/**
 * Decides what to start or cancel now. Actions are ordered; a `cancel` for a segment is
 * followed by the action that replaces it.
 */
export function schedule(input: SchedulerInput, config: SchedulerConfig): SchedulerAction[] {
  const { now, playback, peers } = input;
  const actions: SchedulerAction[] = [];
  const size = input.segmentBytes ?? config.initialSegmentBytes;
  const cdnFinishMs = cdnFetchMs(input.cdn, input.segmentBytes, config);
  let cdnSlots = config.maxCdnRequests - input.segments.filter((s) => s.status === 'cdn').length;
  const peerLoad = new Map(peers.map((p) => [p.id, p.pending]));
  // Measured from this peer, else what it advertises as its upload rate, else the default.
  const peerRate = (p: PeerState): number =>
    p.throughput ?? p.uploadRate ?? config.initialPeerThroughput;

  // Seeder rank of this viewer among `ids` (weighted by upload rate when configured).
  const rateOf = new Map(peers.map((p) => [p.id, p.uploadRate]));
  const rank = (ids: string[], seq: number): number => {
    if (config.capacityExponent <= 0) return seederRank(input.selfId, ids, seq);
    const w = (r: number | undefined): number => r ?? config.initialPeerThroughput;
    return weightedSeederRank(
      { id: input.selfId, weight: w(input.selfUploadRate) },
      ids.map((id) => ({ id, weight: w(rateOf.get(id)) })),
      seq,
      config.capacityExponent,
    );
  };

  const fetchCdn = (seq: number, reason: Extract<SchedulerAction, { type: 'cdn' }>['reason']) => {
    if (cdnSlots <= 0) return false;
    cdnSlots--;
    actions.push({ type: 'cdn', seq, reason });
    return true;
  };

  // Holds the segment, complete or arriving (a relay serves it as it comes in).
  const holds = (p: PeerState, seq: number): boolean =>
    p.has.has(seq) || p.arriving?.has(seq) === true;
  // Bytes still to come for a segment: all of it, or the rest after a kept head when peers
  // send ranges (only complete holders do).
  const ranged = (s: SegmentState): boolean =>
    input.peerRanges === true && (s.head ?? 0) > 0 && (s.head ?? 0) < size;
  const restOf = (s: SegmentState): number => (ranged(s) ? size - (s.head ?? 0) : size);
  const canServe = (p: PeerState, s: SegmentState): boolean =>
    ranged(s) ? p.has.has(s.seq) : holds(p, s.seq);
  const finishMs = (p: PeerState, s: SegmentState, load: number): number =>
    (load * size + restOf(s)) / peerRate(p) + (p.has.has(s.seq) ? 0 : config.arrivingPenaltyMs);

  // The peer with the best expected finish for a segment, among those with a free slot.
  const bestPeer = (s: SegmentState, except?: string): PeerState | undefined => {
    let best: PeerState | undefined;
    let bestFinish = Infinity;
    for (const p of peers) {
      const load = peerLoad.get(p.id) ?? 0;
      if (p.id === except || !canServe(p, s) || load >= config.maxRequestsPerPeer) continue;
      if (s.excludedPeers?.has(p.id) || (p.busyUntil ?? 0) > now) continue;
      const finish = finishMs(p, s, load);
      // A peer too slow for the deadline would only burn its upload on a transfer we cancel.
      if (finish + config.peerSlackMs > deadlineMs(s, playback)) continue;
      if (finish < bestFinish) [best, bestFinish] = [p, finish];
    }
    return best;
  };

  // A complete holder (not the transfer's own peer) that would send the rest of a transfer in
  // time for the deadline and in at most `handoverShare` of the time the transfer still needs.
  const handoverPeer = (
    s: SegmentState,
    t: TransferState,
    remainingMs: number,
  ): PeerState | undefined => {
    // A head too short for a range request is dropped: the holder sends the whole segment.
    const after = { ...s, head: keptHead(t) };
    const p = bestPeer(after, t.peerId);
    if (!p?.has.has(s.seq)) return undefined;
    const finish = finishMs(p, after, peerLoad.get(p.id) ?? 0);
    const inTime = finish + config.peerSlackMs < deadlineMs(s, playback);
    return inTime && finish < remainingMs * config.handoverShare ? p : undefined;
  };

  // Missing segments, most urgent first; ties (no deadline) broken rarest first.
  const holders = (s: SegmentState): number =>
    peers.filter((p) => holds(p, s.seq) && !s.excludedPeers?.has(p.id)).length;
  const missing: SegmentState[] = [];

  for (const s of input.segments) {
    const deadline = deadlineMs(s, playback);
    if (s.status === 'peer' && s.transfer) {
      const t = s.transfer;
      // All bytes in, waiting for the hash to check them: the session bounds that wait.
      if (t.verifying) continue;
      // A relaying peer withholds the final byte until it verified the segment (it may wait
      // for the hash as we would): not a stall while our own CDN line is ahead.
      const relayerVerifying =
        t.total !== undefined &&
        t.total >= RELAY_WITHHELD_BYTES &&
        t.received === t.total - RELAY_WITHHELD_BYTES &&
        cdnLineMs(s, playback, cdnFinishMs, config) > 0;
      const stalled =
        !relayerVerifying &&
        (t.received > 0
          ? now - t.lastProgressAt > config.peerStallMs
          : now - t.startedAt > config.peerFirstByteMs);
      // The rate since the first bytes: time queued at the uploader says nothing about it.
      const elapsed = Math.max(1, now - (t.firstAt ?? t.startedAt));
      const brought = t.received - (t.from ?? 0);
      const rate = brought > 0 ? brought / elapsed : config.initialPeerThroughput;
      const rest = (t.total ?? size) - t.received;
      const remainingMs = rest / rate;
      // What the CDN needs if the transfer ends now: the rest when it completes a head. The
      // peer's claimed size counts no smaller than the average: a lie that shortened the rest
      // would be found only by the range answer, and the whole segment fetched late.
      const ranges = input.cdn.ranges === true;
      const ranged = ranges && t.received >= MIN_RANGE_HEAD_BYTES;
      const cdnRestMs = ranged
        ? cdnFetchMs(input.cdn, Math.max(t.total ?? size, size) - t.received, config)
        : cdnFinishMs;
      const tooSlow =
        deadline - remainingMs < config.peerSlackMs &&
        deadline - cdnRestMs > 0 &&
        remainingMs > cdnRestMs &&
        // Its head is kept: it brings more until the rest must go to the CDN.
        (!ranges || cdnLineMs(s, playback, cdnRestMs, config) <= 0);
      // Too slow for the deadline, but a complete holder with a free slot would send the rest
      // in time, well before this one: it takes over from the bytes in (they are kept).
      const handover =
        !stalled &&
        !tooSlow &&
        input.peerRanges === true &&
        config.handoverShare > 0 &&
        deadline - remainingMs < config.peerSlackMs &&
        handoverPeer(s, t, remainingMs) !== undefined;
      if (stalled || tooSlow || handover) {
        actions.push({ type: 'cancel', seq: s.seq, reason: stalled ? 'stalled' : 'too-slow' });
        if (t.peerId) peerLoad.set(t.peerId, (peerLoad.get(t.peerId) ?? 1) - 1);
        missing.push({
          ...s,
          status: 'missing',
          excludedPeers: new Set([...(s.excludedPeers ?? []), ...(t.peerId ? [t.peerId] : [])]),
          // The session keeps a head worth a range request (and longer than one it had).
          ...(keptHead(t) > 0 && { head: Math.max(s.head ?? 0, keptHead(t)) }),
        });
      }
      continue;
    }
    if (s.status === 'missing') missing.push(s);
  }

  // Urgent segments (slack gone) by deadline; the others rarest first, then oldest first.
  const urgency = (s: SegmentState): number => deadlineMs(s, playback) - cdnFinishMs;
  const urgent = (s: SegmentState): boolean => cdnLineMs(s, playback, cdnFinishMs, config) <= 0;
  missing.sort((a, b) => {
    const ua = urgent(a);
    if (ua !== urgent(b)) return ua ? -1 : 1;
    if (ua) return urgency(a) - urgency(b);
    return holders(a) - holders(b) || a.seq - b.seq;
  });

  for (const s of missing) {
    const slack = cdnLineMs(s, playback, cdnFinishMs, config);
    const peer = bestPeer(s);
    if (slack <= 0) {
      // Deadline near: a peer only if it clearly beats the CDN, else the CDN now.
      const peerFinish = peer ? finishMs(peer, s, 0) : Infinity;
      const cdnMs =
        input.cdn.ranges === true && (s.head ?? 0) >= MIN_RANGE_HEAD_BYTES
          ? cdnFetchMs(input.cdn, Math.max(0, size - (s.head ?? 0)), config)
          : cdnFinishMs;
      if (peer && peerFinish + config.peerSlackMs < Math.min(cdnMs, deadlineMs(s, playback))) {
        actions.push({ type: 'peer', seq: s.seq, peerId: peer.id });
        peerLoad.set(peer.id, (peerLoad.get(peer.id) ?? 0) + 1);
      } else {
        fetchCdn(s.seq, 'deadline');
      }
      continue;
    }
    if (peer) {
      actions.push({ type: 'peer', seq: s.seq, peerId: peer.id });
      peerLoad.set(peer.id, (peerLoad.get(peer.id) ?? 0) + 1);
      continue;
    }
    if (s.start === undefined) continue;
    const held = peers.filter((p) => holds(p, s.seq) && !s.excludedPeers?.has(p.id));
    if (held.length > 0) {
      // Held by peers whose request slots are full: wait. Held only by peers that said their
      // upload is saturated: one more copy from the CDN, by the first-ranked viewer without it.
      const saturated = held.every((p) => (p.busyUntil ?? 0) > now);
      if (!saturated || held.length > config.seeders || s.status !== 'missing') continue;
      const without = peers.filter((p) => !holds(p, s.seq)).map((p) => p.id);
      if (rank(without, s.seq) === 0) fetchCdn(s.seq, 'busy-seeder');
      continue;
    }
    if (s.excludedPeers?.size) {
      // Its holders failed us. It is spreading in the neighbourhood, so another holder will
      // likely announce it; the CDN only once little slack is left.
      if (slack <= config.backupLeadMs) fetchCdn(s.seq, 'retry');
      continue;
    }
    if (peers.length === 0) {
      fetchCdn(s.seq, 'alone');
      continue;
    }
    const mine = rank(
      peers.map((p) => p.id),
      s.seq,
    );
    const seeders = peers.length + 1 >= config.extraSeedersFrom ? config.seeders : 1;
    if (mine < seeders) fetchCdn(s.seq, 'seeder');
    else if (mine < seeders + 1 && slack <= config.backupLeadMs) {
      fetchCdn(s.seq, 'backup');
    }
  }
  return actions;
}
