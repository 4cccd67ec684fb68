import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SEGMENT_STORE_CONFIG,
  SegmentStore,
  SegmentStoreError,
  type SegmentSource,
  type SegmentStoreConfig,
} from '../../../src/core/segment-store.js';

/** A store plus a log of its events, in order. */
function recorded(config: Partial<SegmentStoreConfig> = {}): {
  store: SegmentStore;
  events: (['added', number, SegmentSource] | ['evicted', number[]])[];
} {
  const store = new SegmentStore(config);
  const events: (['added', number, SegmentSource] | ['evicted', number[]])[] = [];
  store.on('added', (seq, source) => events.push(['added', seq, source]));
  store.on('evicted', (seqs) => events.push(['evicted', seqs]));
  return { store, events };
}

const seg = (n: number): Uint8Array => new Uint8Array(n);

describe('SegmentStore', () => {
  it('has documented defaults and rejects bad config', () => {
    expect(DEFAULT_SEGMENT_STORE_CONFIG).toEqual({
      maxSegments: 30,
      maxBytes: 64 * 1024 * 1024,
      keepBehindPlayhead: 3,
    });
    expect(new SegmentStore({ maxSegments: 5 }).config).toEqual({
      ...DEFAULT_SEGMENT_STORE_CONFIG,
      maxSegments: 5,
    });
    for (const bad of [
      { maxSegments: 0 },
      { maxSegments: 1.5 },
      { maxBytes: 0 },
      { maxBytes: Number.NaN },
      { keepBehindPlayhead: -1 },
    ]) {
      expect(() => new SegmentStore(bad)).toThrow(SegmentStoreError);
    }
    expect(() => new SegmentStore().put(-1, seg(1), 'cdn')).toThrow(SegmentStoreError);
    expect(() => new SegmentStore().setPlayhead(0.5)).toThrow(SegmentStoreError);
  });

  it('holds segments in seq order and reports size and bytes', () => {
    const { store, events } = recorded();
    const bytes = Uint8Array.of(1, 2, 3);
    expect(store.put(1_000_000_002, bytes, 'cdn')).toBe(true);
    expect(store.put(1_000_000_000, seg(10), 'p2p')).toBe(true);
    expect(store.put(1_000_000_001, seg(5), 'p2p')).toBe(true);
    expect(store.seqs()).toEqual([1_000_000_000, 1_000_000_001, 1_000_000_002]);
    expect(store.size).toBe(3);
    expect(store.bytes).toBe(18);
    expect(store.has(1_000_000_002)).toBe(true);
    expect(store.has(7)).toBe(false);
    expect(store.get(1_000_000_002)).toEqual({ seq: 1_000_000_002, bytes, source: 'cdn' });
    expect(store.get(1_000_000_002)?.bytes).toBe(bytes);
    expect(store.get(7)).toBeUndefined();
    expect(events).toEqual([
      ['added', 1_000_000_002, 'cdn'],
      ['added', 1_000_000_000, 'p2p'],
      ['added', 1_000_000_001, 'p2p'],
    ]);
  });

  it('ignores duplicates without an event and keeps the first copy', () => {
    const { store, events } = recorded();
    const first = seg(4);
    store.put(10, first, 'p2p');
    expect(store.put(10, seg(8), 'cdn')).toBe(false);
    expect(store.get(10)).toEqual({ seq: 10, bytes: first, source: 'p2p' });
    expect(store.bytes).toBe(4);
    expect(events).toEqual([['added', 10, 'p2p']]);
  });

  it('evicts segments more than keepBehindPlayhead behind the playhead, and refuses them', () => {
    const { store, events } = recorded({ keepBehindPlayhead: 2 });
    for (let s = 100; s < 110; s++) store.put(s, seg(1), 'cdn');
    events.length = 0;
    store.setPlayhead(105);
    expect(events).toEqual([['evicted', [100, 101, 102]]]);
    expect(store.seqs()).toEqual([103, 104, 105, 106, 107, 108, 109]);
    expect(store.bytes).toBe(7);
    expect(store.put(102, seg(1), 'p2p')).toBe(false);
    expect(store.put(103, seg(1), 'p2p')).toBe(false); // held already
    store.setPlayhead(105); // nothing more to evict: no event
    expect(events).toHaveLength(1);
    store.setPlayhead(109);
    expect(events[1]).toEqual(['evicted', [103, 104, 105, 106]]);
    expect(store.put(106, seg(1), 'p2p')).toBe(false);
    expect(store.put(107, seg(1), 'p2p')).toBe(false); // held
    expect(store.put(110, seg(1), 'p2p')).toBe(true);
  });

  it('with keepBehindPlayhead 0 keeps the playhead segment itself', () => {
    const { store } = recorded({ keepBehindPlayhead: 0 });
    for (const s of [0, 1, 2]) store.put(s, seg(1), 'cdn');
    store.setPlayhead(1);
    expect(store.seqs()).toEqual([1, 2]);
  });

  it('evicts the oldest first when over maxSegments, never the segment just added', () => {
    const { store, events } = recorded({ maxSegments: 3 });
    for (const s of [5, 6, 7]) store.put(s, seg(1), 'cdn');
    expect(store.put(8, seg(1), 'p2p')).toBe(true);
    expect(store.seqs()).toEqual([6, 7, 8]);
    expect(events.slice(-2)).toEqual([
      ['added', 8, 'p2p'],
      ['evicted', [5]],
    ]);
    // An older segment than all held: the next oldest goes, the new one stays.
    expect(store.put(2, seg(1), 'cdn')).toBe(true);
    expect(store.seqs()).toEqual([2, 7, 8]);
    expect(events.at(-1)).toEqual(['evicted', [6]]);
    expect(store.size).toBe(3);
    expect(store.bytes).toBe(3);
  });

  it('evicts the oldest first when over maxBytes', () => {
    const { store, events } = recorded({ maxBytes: 100 });
    store.put(1, seg(40), 'cdn');
    store.put(2, seg(30), 'cdn');
    store.put(3, seg(30), 'cdn');
    expect(store.bytes).toBe(100);
    expect(events.some(([e]) => e === 'evicted')).toBe(false);
    store.put(4, seg(50), 'p2p');
    expect(store.seqs()).toEqual([3, 4]);
    expect(store.bytes).toBe(80);
    expect(events.at(-1)).toEqual(['evicted', [1, 2]]);
    // A segment larger than maxBytes stays alone.
    store.put(5, seg(150), 'cdn');
    expect(store.seqs()).toEqual([5]);
    expect(store.bytes).toBe(150);
    expect(events.at(-1)).toEqual(['evicted', [3, 4]]);
  });

  it('destroy clears, silences and is idempotent', () => {
    const { store, events } = recorded();
    store.put(1, seg(3), 'cdn');
    store.destroy();
    store.destroy();
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
    expect(store.seqs()).toEqual([]);
    expect(store.has(1)).toBe(false);
    expect(store.listenerCount('added')).toBe(0);
    expect(store.put(2, seg(1), 'cdn')).toBe(false);
    store.setPlayhead(10);
    expect(store.size).toBe(0);
    expect(events).toEqual([['added', 1, 'cdn']]);
  });

  it('matches a reference model under random puts and playhead moves', () => {
    type Op =
      { kind: 'put'; seq: number; size: number; p2p: boolean } | { kind: 'play'; seq: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('put' as const),
          seq: fc.nat(60),
          size: fc.nat(40),
          p2p: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('play' as const), seq: fc.nat(60) }) },
    );
    const configArb = fc.record({
      maxSegments: fc.integer({ min: 1, max: 12 }),
      maxBytes: fc.integer({ min: 1, max: 200 }),
      keepBehindPlayhead: fc.nat(4),
    });
    fc.assert(
      fc.property(configArb, fc.array(opArb, { maxLength: 80, size: 'max' }), (config, ops) => {
        const { store, events } = recorded(config);
        const model = new Map<number, number>(); // seq -> size
        let line = -Infinity;
        const used = () => [...model.values()].reduce((a, b) => a + b, 0);
        for (const op of ops) {
          events.length = 0;
          const expected: typeof events = [];
          if (op.kind === 'put') {
            const ok = !model.has(op.seq) && op.seq >= line;
            expect(store.put(op.seq, seg(op.size), op.p2p ? 'p2p' : 'cdn')).toBe(ok);
            if (ok) {
              model.set(op.seq, op.size);
              expected.push(['added', op.seq, op.p2p ? 'p2p' : 'cdn']);
              const gone: number[] = [];
              for (const s of [...model.keys()].sort((a, b) => a - b)) {
                if (model.size <= config.maxSegments && used() <= config.maxBytes) break;
                if (s === op.seq) continue;
                model.delete(s);
                gone.push(s);
              }
              if (gone.length > 0) expected.push(['evicted', gone]);
            }
          } else {
            store.setPlayhead(op.seq);
            line = op.seq - config.keepBehindPlayhead;
            const gone = [...model.keys()].filter((s) => s < line).sort((a, b) => a - b);
            gone.forEach((s) => model.delete(s));
            if (gone.length > 0) expected.push(['evicted', gone]);
          }
          expect({ events, seqs: store.seqs(), bytes: store.bytes, size: store.size }).toEqual({
            events: expected,
            seqs: [...model.keys()].sort((a, b) => a - b),
            bytes: used(),
            size: model.size,
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
