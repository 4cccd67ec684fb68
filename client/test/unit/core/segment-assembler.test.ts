import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssemblyError,
  SegmentAssembler,
  type AssemblyErrorType,
} from '../../../src/core/segment-assembler.js';
import {
  MAX_CHUNK_BYTES,
  MAX_MESSAGE_BYTES,
  chunkSegment,
  decode,
  encode,
  type DataMessage,
} from '../../../src/core/wire.js';

const segmentArb = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ maxLength: 6000, size: 'max' }),
);
const maxChunkArb = fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constant(MAX_CHUNK_BYTES));
const idArb = fc.record({
  requestId: fc.maxSafeNat().map((n) => n % 2 ** 32),
  seq: fc.oneof(fc.nat(1e6), fc.maxSafeNat()),
});

function assemblyErrorType(fn: () => unknown): AssemblyErrorType | 'none' {
  try {
    fn();
    return 'none';
  } catch (err) {
    if (err instanceof AssemblyError) return err.type;
    throw err;
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b);

describe('chunkSegment + SegmentAssembler', () => {
  it('reassemble arbitrary segments byte-exact, through encode and decode', () => {
    fc.assert(
      fc.property(idArb, segmentArb, maxChunkArb, ({ requestId, seq }, segment, maxChunk) => {
        const messages = chunkSegment(requestId, seq, segment, maxChunk);
        expect(messages.length).toBe(Math.max(1, Math.ceil(segment.length / maxChunk)));
        const a = new SegmentAssembler({ requestId, seq });
        expect(a.total).toBeUndefined();
        const seen: { offset: number; total: number; length: number; complete: boolean }[] = [];
        let tooLong = 0;
        for (const m of messages) {
          seen.push({
            offset: m.offset,
            total: m.total,
            length: m.chunk.length,
            complete: a.complete,
          });
          const wire = encode(m);
          if (wire.length > MAX_MESSAGE_BYTES || m.chunk.length > maxChunk) tooLong++;
          a.push(decode(wire) as DataMessage);
          expect(a.received).toBe(m.offset + m.chunk.length);
        }
        expect(tooLong).toBe(0);
        // Contiguous ascending chunks, each announcing the segment's size, none completing early.
        let offset = 0;
        for (const s of seen) {
          expect(s).toEqual({ offset, total: segment.length, length: s.length, complete: false });
          offset += s.length;
        }
        expect(offset).toBe(segment.length);
        expect(a.total).toBe(segment.length);
        expect(a.complete).toBe(true);
        expect(same(a.bytes(), segment)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('fills each message up to MAX_CHUNK_BYTES by default', () => {
    const segment = Uint8Array.from({ length: 3 * MAX_CHUNK_BYTES + 5 }, (_, i) => i % 251);
    const messages = chunkSegment(9, 1e12, segment);
    expect(messages.map((m) => m.chunk.length)).toEqual([
      MAX_CHUNK_BYTES,
      MAX_CHUNK_BYTES,
      MAX_CHUNK_BYTES,
      5,
    ]);
    for (const m of messages) expect(encode(m).length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('gives one data message with total 0 for an empty segment', () => {
    const messages = chunkSegment(1, 2, new Uint8Array(0));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ requestId: 1, seq: 2, total: 0, offset: 0 });
    const a = new SegmentAssembler({ requestId: 1, seq: 2 });
    a.push(decode(encode(messages[0]!)) as DataMessage);
    expect(a.complete).toBe(true);
    expect(a.bytes()).toHaveLength(0);
  });

  it('holds memory for the bytes received, not for the total a peer claims', () => {
    const a = new SegmentAssembler({ requestId: 1, seq: 5 });
    const claimed = 32 * 1024 * 1024;
    a.push({
      type: 'data',
      requestId: 1,
      seq: 5,
      total: claimed,
      offset: 0,
      chunk: new Uint8Array(MAX_CHUNK_BYTES),
    });
    expect(a.total).toBe(claimed);
    expect(a.allocated).toBeLessThanOrEqual(64 * 1024);
    // A real segment still ends in a buffer of exactly its size, bytes intact.
    const segment = Uint8Array.from({ length: 300_001 }, (_, i) => (i * 7) & 0xff);
    const b = new SegmentAssembler({ requestId: 2, seq: 6 });
    for (const m of chunkSegment(2, 6, segment)) {
      b.push(m);
      expect(b.allocated).toBeLessThanOrEqual(Math.max(2 * b.received, 65_536));
    }
    expect(b.allocated).toBe(segment.length);
    expect(same(b.bytes(), segment)).toBe(true);
  });

  it('rejects bad chunkSegment arguments', () => {
    expect(() => chunkSegment(1, 2, new Uint8Array(4), 0)).toThrow(/maxChunk/);
    expect(() => chunkSegment(1, 2, new Uint8Array(4), MAX_CHUNK_BYTES + 1)).toThrow(/maxChunk/);
    expect(() => chunkSegment(-1, 2, new Uint8Array(4))).toThrow(/requestId/);
    expect(() => chunkSegment(1, 2.5, new Uint8Array(4))).toThrow(/seq/);
  });
});

describe('SegmentAssembler: rejected chunks', () => {
  // Segments of at least two chunks, so that order can be broken.
  const caseArb = fc
    .tuple(
      idArb,
      fc.uint8Array({ minLength: 2, maxLength: 3000, size: 'max' }),
      fc.integer({ min: 1, max: 500 }),
    )
    .filter(([, segment, maxChunk]) => segment.length > maxChunk)
    .map(([id, segment, maxChunk]) => ({
      ...id,
      segment,
      messages: chunkSegment(id.requestId, id.seq, segment, maxChunk),
    }));

  /** Pushes a bad message at step `at`, checks the error and that the assembler still works. */
  function checkRejected(
    c: { requestId: number; seq: number; segment: Uint8Array; messages: DataMessage[] },
    at: number,
    bad: DataMessage,
    type: AssemblyErrorType,
  ): void {
    const a = new SegmentAssembler({ requestId: c.requestId, seq: c.seq });
    c.messages.slice(0, at).forEach((m) => a.push(m));
    const before = { received: a.received, total: a.total };
    expect(assemblyErrorType(() => a.push(bad))).toBe(type);
    expect({ received: a.received, total: a.total }).toEqual(before);
    c.messages.slice(at).forEach((m) => a.push(m));
    expect(same(a.bytes(), c.segment)).toBe(true);
  }

  it('rejects a chunk of another request or segment as mismatch', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.boolean(), (c, i, otherRequest) => {
        const at = i % c.messages.length;
        const m = c.messages[at]!;
        const bad = otherRequest
          ? { ...m, requestId: (m.requestId + 1) % 2 ** 32 }
          : { ...m, seq: m.seq === 0 ? 1 : m.seq - 1 };
        checkRejected(c, at, bad, 'mismatch');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects skipped, repeated and reordered chunks as out-of-order', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.nat(), (c, i, j) => {
        const at = i % c.messages.length;
        let other = j % c.messages.length;
        if (other === at) other = (at + 1) % c.messages.length;
        checkRejected(c, at, c.messages[other]!, 'out-of-order');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a changed total as size-changed', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.integer({ min: 1, max: 1000 }), (c, i, delta) => {
        const at = 1 + (i % (c.messages.length - 1));
        const m = c.messages[at]!;
        checkRejected(c, at, { ...m, total: m.total + delta }, 'size-changed');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a total above maxBytes, a chunk past total and a chunk after completion', () => {
    const a = new SegmentAssembler({ requestId: 1, seq: 5, maxBytes: 10 });
    const chunk = new Uint8Array(4);
    const msg = (over: Partial<DataMessage>): DataMessage => ({
      type: 'data',
      requestId: 1,
      seq: 5,
      total: 10,
      offset: 0,
      chunk,
      ...over,
    });
    expect(assemblyErrorType(() => a.push(msg({ total: 11 })))).toBe('overflow');
    expect(a.total).toBeUndefined();
    a.push(msg({}));
    a.push(msg({ offset: 4 }));
    expect(assemblyErrorType(() => a.push(msg({ offset: 8 })))).toBe('overflow');
    expect(assemblyErrorType(() => a.bytes())).toBe('incomplete');
    a.push(msg({ offset: 8, chunk: chunk.subarray(0, 2) }));
    expect(a.complete).toBe(true);
    expect(assemblyErrorType(() => a.push(msg({ offset: 10, chunk: chunk.subarray(0, 0) })))).toBe(
      'overflow',
    );
    expect(a.bytes()).toHaveLength(10);
  });

  it('rejects bad options', () => {
    expect(() => new SegmentAssembler({ requestId: -1, seq: 0 })).toThrow(AssemblyError);
    expect(() => new SegmentAssembler({ requestId: 0, seq: 2 ** 53 })).toThrow(AssemblyError);
    expect(() => new SegmentAssembler({ requestId: 0, seq: 0, maxBytes: -1 })).toThrow(
      AssemblyError,
    );
  });
});

describe('SegmentAssembler: a ranged request', () => {
  it('reassembles the bytes from an offset on, through encode and decode', () => {
    fc.assert(
      fc.property(
        idArb,
        fc.uint8Array({ minLength: 2, maxLength: 6000, size: 'max' }),
        maxChunkArb,
        fc.nat(),
        ({ requestId, seq }, segment, maxChunk, n) => {
          const from = n % segment.length;
          const a = new SegmentAssembler({ requestId, seq, from });
          expect(a.received).toBe(from);
          const messages = chunkSegment(requestId, seq, segment, maxChunk, from);
          expect(messages[0]?.offset).toBe(from);
          for (const m of messages) a.push(decode(encode(m)) as DataMessage);
          expect(a.complete).toBe(true);
          expect(a.received).toBe(segment.length);
          expect(same(a.bytes(), segment.subarray(from))).toBe(true);
          expect(a.allocated).toBe(segment.length - from);
        },
      ),
    );
  });

  it('rejects a first chunk that does not start at the offset, or a segment that ends before it', () => {
    const segment = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const a = new SegmentAssembler({ requestId: 1, seq: 2, from: 1000 });
    const [whole] = chunkSegment(1, 2, segment);
    expect(assemblyErrorType(() => a.push(whole!))).toBe('out-of-order');
    const short = new SegmentAssembler({ requestId: 1, seq: 2, from: 1000 });
    const tiny = chunkSegment(1, 2, segment.subarray(0, 1000))[0]!;
    expect(assemblyErrorType(() => short.push(tiny))).toBe('overflow');
    expect(() => chunkSegment(1, 2, segment, undefined, 5000)).toThrow(/offset/);
    expect(() => new SegmentAssembler({ requestId: 1, seq: 2, from: -1 })).toThrow(AssemblyError);
  });
});
