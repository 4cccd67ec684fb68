/**
 * A segment this viewer is receiving from a peer, shared with its own peer servers so that
 * they can relay it onward before it is complete (cut-through): the bytes received so far,
 * progress events, and its end — the verified bytes once the session stored them, or a
 * failure (the transfer failed or was cancelled, or the bytes did not verify). A relay never
 * sends the last byte of a segment before that end, so a downstream viewer only completes a
 * segment that the relay itself verified.
 */
import { Emitter } from './emitter.js';

/** What a peer server needs of a segment in progress. */
export interface ArrivalSource {
  readonly seq: number;
  /** Segment size in bytes. */
  readonly total: number;
  /** Bytes received so far (a contiguous prefix). */
  readonly received: number;
  /** 'arriving' until it ends: 'complete' (verified and stored) or 'failed'. */
  readonly state: 'arriving' | 'complete' | 'failed';
  /** Bytes `offset .. end` of the prefix received (a view); undefined if they are not held. */
  read(offset: number, end: number): Uint8Array | undefined;
  /** The verified segment, once complete. */
  readonly bytes: Uint8Array | undefined;
  /** Calls `listener` on every change (progress or end) until the returned function is called. */
  watch(listener: () => void): () => void;
}

interface ArrivalEvents {
  change: () => void;
}

/** One segment in progress; see the file comment. */
export class Arrival extends Emitter<ArrivalEvents> implements ArrivalSource {
  private buffer: Uint8Array | undefined;
  private written = 0;
  private count = 0;
  private result: Uint8Array | undefined;
  private status: ArrivalSource['state'] = 'arriving';

  constructor(
    readonly seq: number,
    readonly total: number,
  ) {
    super();
    if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`invalid total ${total}`);
  }

  get received(): number {
    return this.count;
  }

  get state(): ArrivalSource['state'] {
    return this.status;
  }

  get bytes(): Uint8Array | undefined {
    return this.result;
  }

  /** Bytes written so far (a contiguous prefix; may run ahead of `received`). */
  get held(): number {
    return this.written;
  }

  /** Bytes of buffer held now (grows with the bytes received, never past the total). */
  get allocated(): number {
    return this.buffer?.length ?? 0;
  }

  /** Stores the next chunk's bytes (in order; anything else is ignored). */
  write(offset: number, chunk: Uint8Array): void {
    if (this.status !== 'arriving' || offset !== this.written) return;
    const end = offset + chunk.length;
    if (end > this.total) return;
    // Views of a buffer marked immutable (the simulator's shared segments) are kept, and the
    // next bytes of it extend the view, without a copy. Anything else is copied: a transport
    // may reuse the memory of a message it delivered. A view is never written into: the next
    // chunk from another buffer outgrows it and is copied.
    const b = this.buffer;
    const keep =
      IMMUTABLE.has(chunk.buffer) &&
      (b === undefined ? offset === 0 : follows(b, this.written, chunk));
    if (keep) {
      this.buffer = b === undefined ? chunk : new Uint8Array(b.buffer, b.byteOffset, end);
      this.written = end;
      return;
    }
    // Grows with the bytes received: a remote's claimed total is not trusted with memory.
    if (!this.buffer || this.buffer.length < end) {
      const grown = new Uint8Array(
        Math.min(this.total, Math.max(end, 2 * (this.buffer?.length ?? 0))),
      );
      if (this.buffer) grown.set(this.buffer.subarray(0, this.written));
      this.buffer = grown;
    }
    this.buffer.set(chunk, offset);
    this.written = end;
  }

  /** Bytes received so far, as the transfer's progress reports them. */
  progress(received: number): void {
    if (this.status !== 'arriving' || received <= this.count) return;
    this.count = Math.min(received, this.total);
    this.emit('change');
  }

  read(offset: number, end: number): Uint8Array | undefined {
    const source = this.result ?? this.buffer;
    const limit = this.result ? this.total : this.written;
    if (!source || offset < 0 || end > limit || end < offset) return undefined;
    return source.subarray(offset, end);
  }

  /** The segment was verified and stored: servers may send the rest, final chunk included. */
  complete(bytes: Uint8Array): void {
    if (this.status !== 'arriving') return;
    this.status = 'complete';
    this.result = bytes;
    this.count = bytes.length;
    this.buffer = undefined;
    this.emit('change');
    this.removeAllListeners();
  }

  /** The transfer failed or the bytes did not verify: servers answer `absent`. */
  fail(): void {
    if (this.status !== 'arriving') return;
    this.status = 'failed';
    this.buffer = undefined;
    this.emit('change');
    this.removeAllListeners();
  }

  watch(listener: () => void): () => void {
    if (this.status !== 'arriving') {
      queueMicrotask(listener);
      return () => undefined;
    }
    this.on('change', listener);
    return () => {
      this.off('change', listener);
    };
  }
}

const IMMUTABLE = new WeakSet<ArrayBufferLike>();

/**
 * Declares that the bytes of `buffer` never change, so an {@link Arrival} may keep views of it
 * instead of copies (the simulator hands out views of its shared segments).
 */
export function markImmutable(buffer: ArrayBufferLike): void {
  IMMUTABLE.add(buffer);
}

/** Whether `chunk` is the bytes right after the `written` bytes of view `held`, in its buffer. */
function follows(held: Uint8Array, written: number, chunk: Uint8Array): boolean {
  return (
    held.length === written &&
    chunk.buffer === held.buffer &&
    chunk.byteOffset === held.byteOffset + written
  );
}
