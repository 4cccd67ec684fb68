import createDebug from 'debug';
import type { SegmentHash } from '../signaling/protocol.js';
import { createDigest, type Digest } from './sha256.js';

const debug = createDebug('meshcast:integrity');

/** Settings of a {@link SegmentVerifier}. */
export interface SegmentVerifierConfig {
  /**
   * A peer segment whose hash has not arrived yet waits at least this long for it, ms (a
   * session waits longer while the segment's deadline allows); then it counts as unverified
   * (dropped, fetched from the CDN). @default 1000
   */
  hashWaitMs: number;
  /**
   * The longest wait for a hash, ms, however far the segment's deadline: a server whose hashes
   * are later than this is not waited on. @default 5000
   */
  hashWaitMaxMs: number;
  /** Hashes kept per rendition (the newest). @default 128 */
  maxHashes: number;
}

export const DEFAULT_SEGMENT_VERIFIER_CONFIG: SegmentVerifierConfig = {
  hashWaitMs: 1000,
  hashWaitMaxMs: 5000,
  maxHashes: 128,
};

/** The defaults with `partial` applied; throws RangeError on a bad value. */
export function resolveSegmentVerifierConfig(
  partial: Partial<SegmentVerifierConfig> = {},
): SegmentVerifierConfig {
  const c = { ...DEFAULT_SEGMENT_VERIFIER_CONFIG, ...partial };
  if (!(Number.isFinite(c.hashWaitMs) && c.hashWaitMs >= 0)) {
    throw new RangeError(`SegmentVerifier: invalid hashWaitMs: ${c.hashWaitMs}`);
  }
  if (!(Number.isFinite(c.hashWaitMaxMs) && c.hashWaitMaxMs >= c.hashWaitMs)) {
    throw new RangeError(
      `SegmentVerifier: hashWaitMaxMs must be >= hashWaitMs: ${c.hashWaitMaxMs}`,
    );
  }
  if (!(Number.isInteger(c.maxHashes) && c.maxHashes >= 1)) {
    throw new RangeError(`SegmentVerifier: invalid maxHashes: ${c.maxHashes}`);
  }
  return c;
}

/** Integrity figures, summed over an engine's renditions. */
export interface IntegrityCounters {
  /** Segments whose bytes matched the published hash (from peers and the CDN). */
  verifiedSegments: number;
  /** Peer segments that did not match: dropped, fetched from the CDN, the peer banned. */
  corruptSegments: number;
  /** Peer segments whose hash did not arrive in time: dropped, fetched from the CDN. */
  unverifiedSegments: number;
  /** CDN segments that did not match: played (as without P2P) but never shared. */
  cdnMismatches: number;
  /** Peers banned for this session. */
  bannedPeers: number;
  /** Time spent hashing, ms. */
  verifyMs: number;
}

export function emptyIntegrityCounters(): IntegrityCounters {
  return {
    verifiedSegments: 0,
    corruptSegments: 0,
    unverifiedSegments: 0,
    cdnMismatches: 0,
    bannedPeers: 0,
    verifyMs: 0,
  };
}

/** `ok`: matches; `corrupt`: does not; `unknown`: no hash to compare with. */
export type VerifyOutcome = 'ok' | 'corrupt' | 'unknown';

export interface SegmentVerifierPlatform {
  digest: Digest;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

/**
 * Checks one rendition's segment bytes against the hashes the server publishes. It is
 * `active` once the server sent hashes for the swarm (the server sends the window, maybe
 * empty, on every join): then bytes from a peer reach the player only when they match.
 *
 * @example
 * verifier.addHashes(message.hashes);
 * if ((await verifier.verify(seq, bytes, { waitMs: 1000 })) !== 'ok') dropAndFetchFromCdn();
 */
export class SegmentVerifier {
  readonly config: SegmentVerifierConfig;
  readonly counters: IntegrityCounters;
  private readonly hashes = new Map<number, SegmentHash>();
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly platform: SegmentVerifierPlatform;
  private isActive = false;
  private destroyed = false;

  constructor(
    config: Partial<SegmentVerifierConfig> = {},
    platform: Partial<SegmentVerifierPlatform> = {},
    counters: IntegrityCounters = emptyIntegrityCounters(),
  ) {
    this.config = resolveSegmentVerifierConfig(config);
    this.platform = {
      digest: platform.digest ?? createDigest(),
      now: platform.now ?? (() => performance.now()),
      setTimeout: platform.setTimeout ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimeout:
        platform.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
    this.counters = counters;
  }

  /** Whether the server publishes hashes for this swarm (peer bytes must then match). */
  get active(): boolean {
    return this.isActive && !this.destroyed;
  }

  /** Hashes from the server; the first hash of a seq wins. */
  addHashes(hashes: readonly SegmentHash[]): void {
    if (this.destroyed) return;
    this.isActive = true;
    for (const h of hashes) {
      if (this.hashes.has(h.seq)) continue;
      this.hashes.set(h.seq, h);
      const waiting = this.waiters.get(h.seq);
      debug('hash of %d (%d waiting)', h.seq, waiting?.size ?? 0);
      this.waiters.delete(h.seq);
      for (const wake of waiting ?? []) wake();
    }
    while (this.hashes.size > this.config.maxHashes) {
      this.hashes.delete(Math.min(...this.hashes.keys()));
    }
  }

  /** The published hash of `seq`, if known. */
  expected(seq: number): SegmentHash | undefined {
    return this.hashes.get(seq);
  }

  /**
   * Compares `bytes` with the hash of `seq`, waiting up to `waitMs` for a hash not known yet.
   * Counts the outcome: for `source: 'p2p'` in verified/corrupt/unverified, for `'cdn'` in
   * verified/cdnMismatches.
   */
  async verify(
    seq: number,
    bytes: Uint8Array,
    { waitMs = 0, source = 'p2p' }: { waitMs?: number; source?: 'p2p' | 'cdn' } = {},
  ): Promise<VerifyOutcome> {
    const expected = this.hashes.get(seq) ?? (await this.waitForHash(seq, waitMs));
    let outcome: VerifyOutcome = 'unknown';
    if (expected) {
      if (expected.size !== bytes.length) outcome = 'corrupt';
      else {
        const t0 = this.platform.now();
        const actual = await this.platform.digest(bytes);
        this.counters.verifyMs += this.platform.now() - t0;
        outcome = actual === expected.sha256 ? 'ok' : 'corrupt';
      }
    }
    const c = this.counters;
    if (outcome === 'ok') c.verifiedSegments++;
    else if (outcome === 'corrupt' && source === 'p2p') c.corruptSegments++;
    else if (outcome === 'corrupt') c.cdnMismatches++;
    else if (source === 'p2p') c.unverifiedSegments++;
    return outcome;
  }

  private waitForHash(seq: number, waitMs: number): Promise<SegmentHash | undefined> {
    if (waitMs <= 0 || this.destroyed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let set = this.waiters.get(seq);
      if (!set) this.waiters.set(seq, (set = new Set()));
      const wake = (): void => {
        this.platform.clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(seq) === set) this.waiters.delete(seq);
        resolve(this.hashes.get(seq));
      };
      const timer = this.platform.setTimeout(wake, waitMs);
      set.add(wake);
    });
  }

  /** Forgets the hashes; pending waits resolve at once (unknown). Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const waiting = [...this.waiters.values()].flatMap((s) => [...s]);
    this.waiters.clear();
    for (const wake of waiting) wake();
    this.hashes.clear();
  }
}
