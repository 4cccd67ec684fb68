import { Emitter } from './emitter.js';

export interface SegmentStoreConfig {
  /** Most segments held. @default 30 */
  maxSegments: number;
  /** Most bytes held. @default 64 MiB */
  maxBytes: number;
  /** Segments kept behind the playhead (peers may still want them). @default 3 */
  keepBehindPlayhead: number;
}

export const DEFAULT_SEGMENT_STORE_CONFIG: SegmentStoreConfig = {
  maxSegments: 30,
  maxBytes: 64 * 1024 * 1024,
  keepBehindPlayhead: 3,
};

/** Where a segment's bytes came from. */
export type SegmentSource = 'cdn' | 'p2p';

export interface StoredSegment {
  seq: number;
  bytes: Uint8Array;
  source: SegmentSource;
}

export interface SegmentStoreEvents {
  /** A segment entered the store. */
  added: (seq: number, source: SegmentSource) => void;
  /** Segments left the store (ascending), behind the playhead or for room. */
  evicted: (seqs: number[]) => void;
}

export type SegmentStoreErrorType = 'invalid-config' | 'invalid-seq';

export class SegmentStoreError extends Error {
  override readonly name = 'SegmentStoreError';
  constructor(
    readonly type: SegmentStoreErrorType,
    message: string,
  ) {
    super(message);
  }
}

function mergeConfig(config: Partial<SegmentStoreConfig>): SegmentStoreConfig {
  const merged = { ...DEFAULT_SEGMENT_STORE_CONFIG, ...config };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new SegmentStoreError('invalid-config', what);
  };
  check(Number.isSafeInteger(merged.maxSegments) && merged.maxSegments >= 1, 'maxSegments < 1');
  check(Number.isSafeInteger(merged.maxBytes) && merged.maxBytes >= 1, 'maxBytes < 1');
  check(
    Number.isSafeInteger(merged.keepBehindPlayhead) && merged.keepBehindPlayhead >= 0,
    'keepBehindPlayhead < 0',
  );
  return merged;
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new SegmentStoreError('invalid-seq', `seq ${seq} is not a non-negative safe integer`);
  }
}

/**
 * A ring window of the segments of one rendition, keyed by media sequence number. It drops
 * segments that fall more than `keepBehindPlayhead` behind the playhead, and the oldest ones
 * when it holds more than `maxSegments` segments or `maxBytes` bytes. Bytes are stored as given,
 * not copied: do not mutate them after `put`.
 *
 * @example
 * const store = new SegmentStore({ maxSegments: 10 });
 * store.on('evicted', (seqs) => announceRemoved(seqs));
 * store.put(1200, bytes, 'cdn');
 * store.setPlayhead(1200);
 */
export class SegmentStore extends Emitter<SegmentStoreEvents> {
  readonly config: SegmentStoreConfig;
  private readonly segments = new Map<number, StoredSegment>();
  /** The keys of `segments`, ascending. */
  private order: number[] = [];
  private heldBytes = 0;
  /** Segments below this seq are evicted and refused; -Infinity until a playhead is set. */
  private evictionLine = -Infinity;
  private destroyed = false;

  constructor(config: Partial<SegmentStoreConfig> = {}) {
    super();
    this.config = mergeConfig(config);
  }

  /** Number of segments held. */
  get size(): number {
    return this.order.length;
  }

  /** Bytes held, summed over the segments. */
  get bytes(): number {
    return this.heldBytes;
  }

  has(seq: number): boolean {
    return this.segments.has(seq);
  }

  get(seq: number): StoredSegment | undefined {
    return this.segments.get(seq);
  }

  /** The sequence numbers held, ascending (a copy). */
  seqs(): number[] {
    return [...this.order];
  }

  /**
   * Adds a segment. Returns false (and emits nothing) if it is already held, behind the eviction
   * line, or the store is destroyed. Evicts the oldest other segments while over capacity.
   */
  put(seq: number, bytes: Uint8Array, source: SegmentSource): boolean {
    checkSeq(seq);
    if (this.destroyed || this.segments.has(seq) || seq < this.evictionLine) return false;
    this.segments.set(seq, { seq, bytes, source });
    this.order.splice(this.insertionIndex(seq), 0, seq);
    this.heldBytes += bytes.byteLength;

    const evicted: number[] = [];
    let i = 0;
    while (this.order.length > this.config.maxSegments || this.heldBytes > this.config.maxBytes) {
      const oldest = this.order[i];
      if (oldest === undefined) break;
      if (oldest === seq) {
        i++; // never the segment just added
        continue;
      }
      this.order.splice(i, 1);
      this.remove(oldest);
      evicted.push(oldest);
    }
    this.emit('added', seq, source);
    if (evicted.length > 0) this.emit('evicted', evicted);
    return true;
  }

  /** Moves the playhead: evicts (and refuses from now on) seq < playhead - keepBehindPlayhead. */
  setPlayhead(seq: number): void {
    checkSeq(seq);
    if (this.destroyed) return;
    this.evictionLine = seq - this.config.keepBehindPlayhead;
    let n = 0;
    while (n < this.order.length && (this.order[n] ?? Infinity) < this.evictionLine) n++;
    if (n === 0) return;
    const evicted = this.order.splice(0, n);
    for (const s of evicted) this.remove(s);
    this.emit('evicted', evicted);
  }

  /** Drops every segment and listener, without events. Idempotent. */
  destroy(): void {
    this.destroyed = true;
    this.segments.clear();
    this.order = [];
    this.heldBytes = 0;
    this.removeAllListeners();
  }

  private remove(seq: number): void {
    const segment = this.segments.get(seq);
    if (!segment) return;
    this.segments.delete(seq);
    this.heldBytes -= segment.bytes.byteLength;
  }

  /** Where `seq` goes in `order`; appending at the live edge is the usual case. */
  private insertionIndex(seq: number): number {
    const last = this.order.at(-1);
    if (last === undefined || last < seq) return this.order.length;
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid] ?? Infinity) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
