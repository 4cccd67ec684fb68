import { MAX_SEGMENT_BYTES, type DataMessage } from './wire.js';

export type AssemblyErrorType =
  /** The chunk belongs to another request or segment. */
  | 'mismatch'
  /** The chunk does not start where the bytes received so far end. */
  | 'out-of-order'
  /** The segment is larger than allowed, or a chunk runs past its total (or past completion). */
  | 'overflow'
  /** A chunk announces another total than the first chunk did. */
  | 'size-changed'
  /** `bytes()` was called before the segment was complete. */
  | 'incomplete'
  /** The constructor options are out of range. */
  | 'invalid-config';

/** A chunk that cannot be part of the segment being assembled, or a misuse of the assembler. */
export class AssemblyError extends Error {
  override readonly name = 'AssemblyError';
  constructor(
    readonly type: AssemblyErrorType,
    message: string,
  ) {
    super(message);
  }
}

export interface SegmentAssemblerOptions {
  /** The request whose chunks are assembled. */
  requestId: number;
  /** The media sequence number of the segment. */
  seq: number;
  /** Largest total accepted. @default MAX_SEGMENT_BYTES */
  maxBytes?: number;
  /** A ranged request: the first chunk starts at this offset, and only the rest is kept. @default 0 */
  from?: number;
}

/**
 * Reassembles one segment (or, for a ranged request, its bytes from `from` on) from the data
 * messages of one request. Chunks must arrive in order (the data channel is reliable and
 * ordered), so each chunk starts where the previous one ended.
 * A rejected chunk throws {@link AssemblyError} and leaves the assembler unchanged.
 *
 * @example
 * const a = new SegmentAssembler({ requestId: 7, seq: 1200 });
 * for (const m of chunkSegment(7, 1200, segment)) a.push(m);
 * a.complete; // true
 * a.bytes(); // equal to segment
 */
export class SegmentAssembler {
  readonly requestId: number;
  readonly seq: number;
  readonly maxBytes: number;
  /** Offset of the first byte asked for. */
  readonly from: number;
  /** Grows with the bytes received (a peer's claimed total is not trusted with memory). */
  private buffer: Uint8Array | undefined;
  private totalBytes: number | undefined;
  private receivedBytes = 0;

  constructor(options: SegmentAssemblerOptions) {
    const { requestId, seq, maxBytes = MAX_SEGMENT_BYTES, from = 0 } = options;
    if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffffffff) {
      throw new AssemblyError('invalid-config', 'requestId is not a uint32');
    }
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new AssemblyError('invalid-config', 'seq is not a non-negative safe integer');
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new AssemblyError('invalid-config', 'maxBytes is not a non-negative integer');
    }
    if (!Number.isSafeInteger(from) || from < 0 || from > maxBytes) {
      throw new AssemblyError('invalid-config', 'from is not an offset under maxBytes');
    }
    this.from = from;
    this.receivedBytes = from;
    this.requestId = requestId;
    this.seq = seq;
    this.maxBytes = maxBytes;
  }

  /** The end of the bytes received so far (`from` plus the bytes received). */
  get received(): number {
    return this.receivedBytes;
  }

  /** The segment size that the first chunk announced; undefined before it. */
  get total(): number | undefined {
    return this.totalBytes;
  }

  /** Bytes of buffer held now: grows with the bytes received, never past the total. */
  get allocated(): number {
    return this.buffer?.length ?? 0;
  }

  /** Whether every byte of the segment has been received. */
  get complete(): boolean {
    return this.receivedBytes === this.totalBytes;
  }

  /** Adds the next chunk; throws {@link AssemblyError} if it does not fit the segment. */
  push(msg: DataMessage): void {
    if (msg.requestId !== this.requestId || msg.seq !== this.seq) {
      throw new AssemblyError(
        'mismatch',
        `chunk of request ${msg.requestId} seq ${msg.seq}, expected ${this.requestId} seq ${this.seq}`,
      );
    }
    if (this.totalBytes === undefined) {
      if (!Number.isSafeInteger(msg.total) || msg.total < 0 || msg.total > this.maxBytes) {
        throw new AssemblyError('overflow', `segment of ${msg.total} bytes > ${this.maxBytes}`);
      }
      if (this.from > 0 && msg.total <= this.from) {
        throw new AssemblyError(
          'overflow',
          `segment of ${msg.total} bytes ends before ${this.from}`,
        );
      }
    } else if (msg.total !== this.totalBytes) {
      throw new AssemblyError(
        'size-changed',
        `chunk announces total ${msg.total}, first chunk announced ${this.totalBytes}`,
      );
    }
    if (this.complete) throw new AssemblyError('overflow', 'chunk after the segment completed');
    if (msg.offset !== this.receivedBytes) {
      throw new AssemblyError(
        'out-of-order',
        `chunk at offset ${msg.offset}, expected ${this.receivedBytes}`,
      );
    }
    if (msg.offset + msg.chunk.length > msg.total) {
      throw new AssemblyError('overflow', 'chunk runs past the segment total');
    }
    this.totalBytes = msg.total;
    // The buffer holds bytes `from ..`: index = offset - from.
    const at = msg.offset - this.from;
    const needed = at + msg.chunk.length;
    const capacity = this.buffer?.length ?? 0;
    if (needed > capacity || (msg.total === 0 && this.buffer === undefined)) {
      // Doubling up to the total: a peer that announces 32 MB and sends 16 KiB costs 64 KiB.
      const limit = msg.total - this.from;
      const grown = new Uint8Array(Math.min(limit, Math.max(needed, capacity * 2, 65_536)));
      if (this.buffer) grown.set(this.buffer.subarray(0, this.receivedBytes - this.from));
      this.buffer = grown;
    }
    this.buffer?.set(msg.chunk, at);
    this.receivedBytes += msg.chunk.length;
  }

  /**
   * The assembled segment, or its bytes from `from` on (the assembler's own buffer, not a
   * copy); throws until complete.
   */
  bytes(): Uint8Array {
    if (!this.buffer || !this.complete) {
      throw new AssemblyError(
        'incomplete',
        `segment incomplete: ${this.receivedBytes} of ${this.total ?? '?'} bytes`,
      );
    }
    return this.buffer;
  }
}
