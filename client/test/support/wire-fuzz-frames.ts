import fc from 'fast-check';
import {
  MAX_DELTA_ITEMS,
  MAX_HAVE_SPAN,
  MAX_SEGMENT_BYTES,
  PROTOCOL_VERSION,
  encode,
  type WireMessage,
} from '../../src/core/wire.js';
import { seededRandom } from '../../../test/support/seeded-random.js';

/**
 * Fuzz input for the wire decoder and for a peer's message path: valid frames, valid frames
 * mutated (bit flips, overwritten bytes, truncation, insertion, deletion, extension, another
 * version or type tag, corrupted length fields, two frames glued together) and raw bytes.
 * Sequence numbers and request ids are drawn mostly near small values, so that frames fed to a
 * live peer hit its real state (its requests in flight, the segments it holds).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const seqArb = fc.oneof(
  { weight: 6, arbitrary: fc.nat(40) },
  { weight: 1, arbitrary: fc.maxSafeNat() },
  { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, MAX_SAFE) },
);
const requestIdArb = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0xffffffff) },
  { weight: 3, arbitrary: fc.nat(0xffffffff) },
);

const haveMapArb: fc.Arbitrary<WireMessage> = fc
  .tuple(
    seqArb,
    fc.oneof(
      { weight: 5, arbitrary: fc.uniqueArray(fc.nat(63), { maxLength: 24 }) },
      { weight: 1, arbitrary: fc.uniqueArray(fc.nat(MAX_HAVE_SPAN - 1), { maxLength: 600 }) },
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
      { weight: 8, arbitrary: fc.uniqueArray(seqArb, { maxLength: 6 }) },
      { weight: 1, arbitrary: fc.uniqueArray(seqArb, { maxLength: MAX_DELTA_ITEMS }) },
    ),
    fc.nat(),
  )
  .map(([seqs, cut]) => {
    const k = seqs.length === 0 ? 0 : cut % (seqs.length + 1);
    return { type: 'have-delta', added: seqs.slice(0, k), removed: seqs.slice(k) };
  });

const dataArb: fc.Arbitrary<WireMessage> = fc
  .tuple(
    requestIdArb,
    seqArb,
    fc.oneof(
      { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 1200 }) },
    ),
    fc.nat(4096),
    fc.oneof(fc.nat(4096), fc.constant(MAX_SEGMENT_BYTES)),
  )
  .map(([requestId, seq, chunk, a, b]) => {
    const offset = a % 2 === 0 ? 0 : a;
    const total = Math.min(MAX_SEGMENT_BYTES, offset + chunk.length + (b % 2 === 0 ? 0 : b));
    return { type: 'data', requestId, seq, total, offset, chunk };
  });

/** Valid messages of every type. */
export const messageArb: fc.Arbitrary<WireMessage> = fc.oneof(
  haveMapArb,
  haveDeltaArb,
  fc.record({
    type: fc.constant('request' as const),
    requestId: requestIdArb,
    seq: seqArb,
    offset: fc.oneof(fc.constant(0), fc.nat(4096)),
  }),
  dataArb,
  fc.record({ type: fc.constant('cancel' as const), requestId: requestIdArb }),
  fc.record({ type: fc.constant('absent' as const), requestId: requestIdArb, seq: seqArb }),
);

const boundary = fc.constantFrom(0, 1, 0xff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff);

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; value: number }
  | { kind: 'delete'; at: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'tag'; value: number }
  | { kind: 'version'; value: number }
  | { kind: 'length'; at: number; width: 2 | 4; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('tag' as const), value: fc.nat(9) }),
  fc.record({ kind: fc.constant('version' as const), value: fc.nat(3) }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    width: fc.constantFrom(2 as const, 4 as const),
    value: boundary,
  }),
);

function mutate(frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = [...frame];
  for (const m of mutations) {
    const at = 'at' in m ? m.at % (bytes.length + 1) : 0;
    switch (m.kind) {
      case 'insert':
        bytes.splice(at, 0, m.value);
        break;
      case 'truncate':
        bytes = bytes.slice(0, at);
        break;
      case 'extend':
        bytes.push(...m.bytes);
        break;
      case 'tag':
        if (bytes.length > 1) bytes[1] = m.value;
        break;
      case 'version':
        if (bytes.length > 0) bytes[0] = m.value;
        break;
      default:
        if (at >= bytes.length) break;
        if (m.kind === 'delete') bytes.splice(at, 1);
        else if (m.kind === 'set') bytes[at] = m.value;
        else if (m.kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
        else {
          // A length or count field (any aligned-ish offset) overwritten with a boundary value.
          for (let i = 0; i < m.width && at + i < bytes.length; i++) {
            bytes[at + i] = Math.floor(m.value / 2 ** (8 * (m.width - 1 - i))) & 0xff;
          }
        }
    }
  }
  return Uint8Array.from(bytes);
}

const validFrameArb = messageArb.map((m) => encode(m));

/** One fuzz frame: valid, mutated, glued or random. */
export const frameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: validFrameArb },
  {
    weight: 5,
    arbitrary: fc
      .tuple(validFrameArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
      .map(([frame, mutations]) => mutate(frame, mutations)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validFrameArb, validFrameArb)
      .map(([a, b]) => Uint8Array.from([...a, ...b])),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(9), fc.uint8Array({ maxLength: 80 }))
      .map(([tag, rest]) => Uint8Array.from([PROTOCOL_VERSION, tag, ...rest])),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
);

const MUTATION_KINDS = [
  'flip',
  'set',
  'insert',
  'delete',
  'truncate',
  'extend',
  'tag',
  'version',
  'length',
] as const;
const BOUNDARIES = [0, 1, 0xff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

/**
 * `n` fuzz frames, reproducible from `seed`. For volume, fast-check draws a pool of valid
 * frames and a seeded PRNG mutates them (drawing every frame through fast-check costs ~10x);
 * {@link frameArb} is the same mix for shrinking properties.
 */
export function fuzzFrames(n: number, seed: number): Uint8Array[] {
  const pool = fc.sample(validFrameArb, { numRuns: Math.min(n, 4000), seed });
  const random = seededRandom(seed);
  const int = (k: number): number => Math.floor(random() * k);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const bytes = (max: number): Uint8Array =>
    Uint8Array.from({ length: int(max + 1) }, () => int(256));
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.3) frames.push(pick(pool));
    else if (r < 0.8) {
      const mutations: Mutation[] = Array.from({ length: 1 + int(3) }, (): Mutation => {
        const kind = pick(MUTATION_KINDS);
        const at = int(2 ** 16);
        switch (kind) {
          case 'flip':
            return { kind, at, bit: int(8) };
          case 'set':
          case 'insert':
            return { kind, at, value: int(256) };
          case 'delete':
          case 'truncate':
            return { kind, at };
          case 'extend':
            return { kind, bytes: bytes(40) };
          case 'tag':
            return { kind, value: int(10) };
          case 'version':
            return { kind, value: int(4) };
          case 'length':
            return { kind, at, width: random() < 0.5 ? 2 : 4, value: pick(BOUNDARIES) };
        }
      });
      frames.push(mutate(pick(pool), mutations));
    } else if (r < 0.9) frames.push(Uint8Array.from([...pick(pool), ...pick(pool)]));
    else if (r < 0.95) frames.push(Uint8Array.from([PROTOCOL_VERSION, int(10), ...bytes(80)]));
    else frames.push(bytes(40));
  }
  return frames;
}
