import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ARRIVING_ITEMS,
  MAX_CHUNK_BYTES,
  MAX_DELTA_ITEMS,
  MAX_HAVE_SPAN,
  MAX_MESSAGE_BYTES,
  MAX_SEGMENT_BYTES,
  PROTOCOL_VERSION,
  WireError,
  decode,
  encode,
  type DataMessage,
  type WireErrorType,
  type WireMessage,
} from '../../../src/core/wire.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const RUNS = { numRuns: 300 };

const seqArb = fc.oneof(
  fc.nat(100_000),
  fc.nat(0x7fffffff).map((d) => 1e9 + d),
  fc.nat(0x7fffffff).map((d) => 2 ** 32 - 0x40000000 + d),
  fc.nat(100_000).map((d) => MAX_SAFE - d),
  fc.maxSafeNat(),
  fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, MAX_SAFE),
);
const u32Arb = fc.oneof(
  fc.constantFrom(0, 1, 0xffffffff),
  fc.maxSafeNat().map((n) => n % 2 ** 32),
);

const haveMapArb: fc.Arbitrary<WireMessage> = fc
  .tuple(
    seqArb,
    fc.oneof(
      fc.uniqueArray(fc.nat(MAX_HAVE_SPAN - 1), { maxLength: 16 }),
      fc.uniqueArray(fc.nat(MAX_HAVE_SPAN - 1), { maxLength: MAX_HAVE_SPAN, size: 'max' }),
    ),
  )
  .map(([start, offsets]) => {
    const sorted = [...offsets].sort((a, b) => a - b);
    const first = Math.min(start, MAX_SAFE - (sorted.at(-1) ?? 0));
    return { type: 'have-map', seqs: sorted.map((o) => first + o) };
  });

const haveDeltaArb: fc.Arbitrary<WireMessage> = fc
  .tuple(
    fc.oneof(
      fc.uniqueArray(seqArb, { maxLength: 8 }),
      fc.uniqueArray(seqArb, { maxLength: MAX_DELTA_ITEMS, size: 'max' }),
    ),
    fc.nat(),
  )
  .map(([seqs, cut]) => {
    const k = seqs.length === 0 ? 0 : cut % (seqs.length + 1);
    return { type: 'have-delta', added: seqs.slice(0, k), removed: seqs.slice(k) };
  });

const arrivingArb: fc.Arbitrary<WireMessage> = fc
  .tuple(fc.uniqueArray(seqArb, { maxLength: MAX_ARRIVING_ITEMS }), fc.nat())
  .map(([seqs, cut]) => {
    const k = seqs.length === 0 ? 0 : cut % (seqs.length + 1);
    return { type: 'arriving', added: seqs.slice(0, k), removed: seqs.slice(k) };
  });

const chunkArb = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength: Math.min(maxLength, 64) }),
    fc.uint8Array({ maxLength, size: 'max' }),
    fc.constant(new Uint8Array(0)),
  );

const dataArb = (chunk: fc.Arbitrary<Uint8Array>): fc.Arbitrary<WireMessage> =>
  fc
    .tuple(u32Arb, seqArb, chunk, fc.nat(MAX_SEGMENT_BYTES), fc.nat(MAX_SEGMENT_BYTES))
    .map(([requestId, seq, bytes, a, b]) => {
      const room = MAX_SEGMENT_BYTES - bytes.length;
      const offset = a % (room + 1);
      const total = offset + bytes.length + (b % (room - offset + 1));
      return { type: 'data', requestId, seq, total, offset, chunk: bytes };
    });

const messageArb = (maxChunk: number): fc.Arbitrary<WireMessage> =>
  fc.oneof(
    haveMapArb,
    haveDeltaArb,
    arrivingArb,
    fc.record({ type: fc.constant('capacity' as const), bytesPerSec: u32Arb }),
    fc.record({
      type: fc.constant('request' as const),
      requestId: u32Arb,
      seq: seqArb,
      offset: fc.nat(MAX_SEGMENT_BYTES - 1),
    }),
    dataArb(chunkArb(maxChunk)),
    fc.record({ type: fc.constant('cancel' as const), requestId: u32Arb }),
    fc.record({ type: fc.constant('absent' as const), requestId: u32Arb, seq: seqArb }),
    fc.record({
      type: fc.constant('busy' as const),
      requestId: u32Arb,
      seq: seqArb,
      waitMs: u32Arb,
    }),
  );

function wireErrorType(fn: () => unknown): WireErrorType | 'none' {
  try {
    fn();
    return 'none';
  } catch (err) {
    if (err instanceof WireError) return err.type;
    throw err;
  }
}

/** Decodes, asserting that the only possible failure is a WireError; a success must re-encode. */
function decodeSafely(bytes: Uint8Array): void {
  let message: WireMessage;
  try {
    message = decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
    return;
  }
  // There is one encoding per message, so whatever decodes re-encodes to the same bytes.
  expect(encode(message)).toEqual(bytes);
}

/** Builds raw bytes: version 1, then the tag, then the given (hi, lo)-style u32 words etc. */
function raw(tag: number, ...parts: (['u8' | 'u16' | 'u32', number] | Uint8Array)[]): Uint8Array {
  const out: number[] = [PROTOCOL_VERSION, tag];
  for (const part of parts) {
    if (part instanceof Uint8Array) out.push(...part);
    else {
      const [kind, n] = part;
      const size = kind === 'u8' ? 1 : kind === 'u16' ? 2 : 4;
      for (let i = size - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) % 256);
    }
  }
  return Uint8Array.from(out);
}

describe('wire: round trips', () => {
  it('decode(encode(m)) equals m for every message type', () => {
    fc.assert(
      fc.property(messageArb(2048), (m) => {
        const bytes = encode(m);
        expect(bytes.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
        expect(bytes[0]).toBe(PROTOCOL_VERSION);
        expect(decode(bytes)).toEqual(m);
      }),
      RUNS,
    );
  });

  it('round-trips max-size chunks, also from an ArrayBuffer and from an offset view', () => {
    const bigChunk = fc.nat().map((seed) => {
      const chunk = new Uint8Array(MAX_CHUNK_BYTES);
      for (let i = 0, x = seed; i < chunk.length; i++)
        chunk[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      return chunk;
    });
    fc.assert(
      fc.property(dataArb(bigChunk), (m) => {
        const bytes = encode(m);
        expect(bytes.length).toBe(MAX_MESSAGE_BYTES);
        const padded = new Uint8Array(bytes.length + 7);
        padded.set(bytes, 3);
        for (const input of [bytes.slice().buffer, padded.subarray(3, 3 + bytes.length)]) {
          const { chunk, ...fields } = decode(input) as DataMessage;
          const { chunk: sent, ...sentFields } = m as DataMessage;
          expect(fields).toEqual(sentFields);
          expect(Buffer.from(chunk).equals(sent)).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('round-trips boundary have-maps: empty, a full span, both ends of the safe range', () => {
    const full = Array.from({ length: MAX_HAVE_SPAN }, (_, i) => 1e9 + i);
    const top = [MAX_SAFE - MAX_HAVE_SPAN + 1, MAX_SAFE];
    for (const seqs of [[], [0], [MAX_SAFE], full, top, [7, 7 + MAX_HAVE_SPAN - 1]]) {
      expect(decode(encode({ type: 'have-map', seqs }))).toEqual({ type: 'have-map', seqs });
    }
    expect(encode({ type: 'have-map', seqs: full }).length).toBe(2 + 8 + 2 + MAX_HAVE_SPAN / 8);
  });

  it('encodes arriving compactly with its own tag (8): 14 bytes for one seq', () => {
    const bytes = encode({ type: 'arriving', added: [1234], removed: [] });
    expect(bytes.length).toBe(14);
    expect(bytes[1]).toBe(8);
    expect(decode(bytes)).toEqual({ type: 'arriving', added: [1234], removed: [] });
    expect(decode(encode({ type: 'arriving', added: [], removed: [5, 6] }))).toEqual({
      type: 'arriving',
      added: [],
      removed: [5, 6],
    });
  });

  it('decodes a data chunk as a view, without copying', () => {
    const bytes = encode({
      type: 'data',
      requestId: 1,
      seq: 2,
      total: 3,
      offset: 0,
      chunk: Uint8Array.of(9, 8, 7),
    });
    const m = decode(bytes) as DataMessage;
    expect(m.chunk.buffer).toBe(bytes.buffer);
    expect([...m.chunk]).toEqual([9, 8, 7]);
  });
});

describe('wire: malformed input', () => {
  it('rejects every proper prefix of a valid encoding as truncated', () => {
    fc.assert(
      fc.property(messageArb(256), (m) => {
        const bytes = encode(m);
        const outcomes = new Set<string>();
        for (let k = 0; k < bytes.length; k++) {
          outcomes.add(wireErrorType(() => decode(bytes.subarray(0, k))));
        }
        expect([...outcomes]).toEqual(['truncated']);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws anything but WireError on random bytes', () => {
    const headed = fc
      .tuple(fc.nat(7), fc.uint8Array({ maxLength: 600, size: 'max' }))
      .map(([tag, rest]) => Uint8Array.from([PROTOCOL_VERSION, tag, ...rest]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600, size: 'max' }), headed), decodeSafely),
      {
        numRuns: 1000,
      },
    );
  });

  it('never throws anything but WireError on mutated valid encodings', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(messageArb(256), fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, ms) => {
        const bytes = [...encode(m)];
        for (const mu of ms) {
          const at = mu.at % (bytes.length + 1);
          if (mu.kind === 'insert') bytes.splice(at, 0, mu.value);
          else if (at === bytes.length) continue;
          else if (mu.kind === 'delete') bytes.splice(at, 1);
          else if (mu.kind === 'set') bytes[at] = mu.value;
          else bytes[at] = (bytes[at] ?? 0) ^ (1 << mu.bit);
        }
        decodeSafely(Uint8Array.from(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects inputs longer than MAX_MESSAGE_BYTES as oversized', () => {
    fc.assert(
      fc.property(messageArb(256), fc.integer({ min: 1, max: 4096 }), (m, extra) => {
        const bytes = new Uint8Array(MAX_MESSAGE_BYTES + extra);
        bytes.set(encode(m));
        expect(wireErrorType(() => decode(bytes))).toBe('oversized');
      }),
      { numRuns: 100 },
    );
  });

  it('rejects trailing bytes after a valid message', () => {
    fc.assert(
      fc.property(
        messageArb(256),
        fc.uint8Array({ minLength: 1, maxLength: 32, size: 'max' }),
        (m, tail) => {
          const bytes = Uint8Array.from([...encode(m), ...tail]);
          expect(wireErrorType(() => decode(bytes))).toBe('trailing-bytes');
        },
      ),
      RUNS,
    );
  });

  it('rejects unknown versions and unknown type tags', () => {
    fc.assert(
      fc.property(messageArb(64), fc.nat(255), (m, other) => {
        const bytes = encode(m);
        const version = Uint8Array.from(bytes);
        version[0] = other === PROTOCOL_VERSION ? 0 : other;
        expect(wireErrorType(() => decode(version))).toBe('unknown-version');
        const tagged = Uint8Array.from(bytes);
        tagged[1] = other < 1 || other > 9 ? other : other + 9;
        expect(wireErrorType(() => decode(tagged))).toBe('unknown-type');
      }),
      RUNS,
    );
  });

  it('rejects fields out of range as invalid-field', () => {
    const seq = (hi: number, lo: number): ['u32', number][] => [
      ['u32', hi],
      ['u32', lo],
    ];
    const cases: [string, Uint8Array][] = [
      ['seq above MAX_SAFE_INTEGER', raw(3, ['u32', 1], ...seq(0x200000, 0))],
      ['have-map span above MAX_HAVE_SPAN', raw(1, ...seq(0, 5), ['u16', MAX_HAVE_SPAN + 8])],
      ['have-map padding bit set', raw(1, ...seq(0, 5), ['u16', 3], Uint8Array.of(0b1011_0000))],
      ['have-map first bit clear', raw(1, ...seq(0, 5), ['u16', 3], Uint8Array.of(0b0110_0000))],
      ['have-map last bit clear', raw(1, ...seq(0, 5), ['u16', 3], Uint8Array.of(0b1100_0000))],
      ['empty have-map with a first seq', raw(1, ...seq(0, 5), ['u16', 0])],
      [
        'have-map past the safe range',
        raw(1, ...seq(0x1fffff, 0xffffffff), ['u16', 2], Uint8Array.of(0xc0)),
      ],
      ['have-delta over MAX_DELTA_ITEMS', raw(2, ['u16', 200], ['u16', 57])],
      ['have-delta duplicate', raw(2, ['u16', 2], ['u16', 0], ...seq(0, 4), ...seq(0, 4))],
      ['have-delta overlap', raw(2, ['u16', 1], ['u16', 1], ...seq(0, 4), ...seq(0, 4))],
      ['arriving over MAX_ARRIVING_ITEMS', raw(8, ['u16', MAX_ARRIVING_ITEMS], ['u16', 1])],
      ['arriving duplicate', raw(8, ['u16', 2], ['u16', 0], ...seq(0, 7), ...seq(0, 7))],
      ['arriving overlap', raw(8, ['u16', 1], ['u16', 1], ...seq(0, 7), ...seq(0, 7))],
      ['arriving seq past the safe range', raw(8, ['u16', 1], ['u16', 0], ...seq(0x200000, 0))],
      [
        'data total above MAX_SEGMENT_BYTES',
        raw(4, ['u32', 1], ...seq(0, 1), ['u32', MAX_SEGMENT_BYTES + 1], ['u32', 0], ['u32', 0]),
      ],
      [
        'data chunk past total',
        raw(
          4,
          ['u32', 1],
          ...seq(0, 1),
          ['u32', 4],
          ['u32', 2],
          ['u32', 3],
          Uint8Array.of(1, 2, 3),
        ),
      ],
    ];
    for (const [name, bytes] of cases) {
      expect(
        wireErrorType(() => decode(bytes)),
        name,
      ).toBe('invalid-field');
    }
    expect(wireErrorType(() => decode('nope' as unknown as Uint8Array))).toBe('invalid-field');
    // Sanity: the same builder produces valid messages.
    expect(decode(raw(3, ['u32', 1], ...seq(0x1fffff, 0xffffffff), ['u32', 7]))).toEqual({
      type: 'request',
      requestId: 1,
      seq: MAX_SAFE,
      offset: 7,
    });
    expect(decode(raw(1, ...seq(0, 5), ['u16', 3], Uint8Array.of(0b1010_0000)))).toEqual({
      type: 'have-map',
      seqs: [5, 7],
    });
  });
});

describe('wire: encode validation', () => {
  const bad: [string, WireMessage, WireErrorType][] = [
    ['negative seq', { type: 'request', requestId: 1, seq: -1, offset: 0 }, 'invalid-field'],
    ['fractional seq', { type: 'absent', requestId: 1, seq: 1.5 }, 'invalid-field'],
    [
      'unsafe seq',
      { type: 'request', requestId: 1, seq: MAX_SAFE + 1, offset: 0 },
      'invalid-field',
    ],
    [
      'request offset past any segment',
      { type: 'request', requestId: 1, seq: 1, offset: MAX_SEGMENT_BYTES },
      'invalid-field',
    ],
    [
      'negative request offset',
      { type: 'request', requestId: 1, seq: 1, offset: -1 },
      'invalid-field',
    ],
    ['requestId above uint32', { type: 'cancel', requestId: 2 ** 32 }, 'invalid-field'],
    ['unsorted have-map', { type: 'have-map', seqs: [3, 2] }, 'invalid-field'],
    ['duplicate have-map', { type: 'have-map', seqs: [2, 2] }, 'invalid-field'],
    ['have-map too wide', { type: 'have-map', seqs: [0, MAX_HAVE_SPAN] }, 'invalid-field'],
    [
      'have-delta too long',
      {
        type: 'have-delta',
        added: Array.from({ length: MAX_DELTA_ITEMS + 1 }, (_, i) => i),
        removed: [],
      },
      'invalid-field',
    ],
    ['have-delta overlap', { type: 'have-delta', added: [1], removed: [1] }, 'invalid-field'],
    [
      'arriving too long',
      {
        type: 'arriving',
        added: Array.from({ length: MAX_ARRIVING_ITEMS + 1 }, (_, i) => i),
        removed: [],
      },
      'invalid-field',
    ],
    ['arriving overlap', { type: 'arriving', added: [4], removed: [4] }, 'invalid-field'],
    ['capacity above uint32', { type: 'capacity', bytesPerSec: 2 ** 32 }, 'invalid-field'],
    ['arriving negative seq', { type: 'arriving', added: [-1], removed: [] }, 'invalid-field'],
    [
      'chunk past total',
      { type: 'data', requestId: 1, seq: 1, total: 2, offset: 1, chunk: new Uint8Array(2) },
      'invalid-field',
    ],
    [
      'total too large',
      {
        type: 'data',
        requestId: 1,
        seq: 1,
        total: MAX_SEGMENT_BYTES + 1,
        offset: 0,
        chunk: new Uint8Array(1),
      },
      'invalid-field',
    ],
    [
      'chunk too large',
      {
        type: 'data',
        requestId: 1,
        seq: 1,
        total: MAX_CHUNK_BYTES + 1,
        offset: 0,
        chunk: new Uint8Array(MAX_CHUNK_BYTES + 1),
      },
      'oversized',
    ],
    ['unknown type', { type: 'hello' } as unknown as WireMessage, 'invalid-field'],
  ];
  it.each(bad)('rejects %s', (_name, message, type) => {
    expect(wireErrorType(() => encode(message))).toBe(type);
  });

  it('accepts the limits themselves', () => {
    const added = Array.from({ length: MAX_DELTA_ITEMS / 2 }, (_, i) => i);
    const removed = added.map((s) => s + 1000);
    expect(decode(encode({ type: 'have-delta', added, removed }))).toEqual({
      type: 'have-delta',
      added,
      removed,
    });
    const full: WireMessage = {
      type: 'data',
      requestId: 0xffffffff,
      seq: MAX_SAFE,
      total: MAX_SEGMENT_BYTES,
      offset: MAX_SEGMENT_BYTES - MAX_CHUNK_BYTES,
      chunk: new Uint8Array(MAX_CHUNK_BYTES).fill(0xab),
    };
    expect(decode(encode(full))).toEqual(full);
  });
});
