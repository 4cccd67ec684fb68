import { createHash, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SegmentVerifier } from '../../../src/core/segment-verifier.js';
import { createDigest } from '../../../src/core/sha256.js';

const hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout: (fn: () => void) => {
      pending.set(next, fn);
      return next++;
    },
    clearTimeout: (h: unknown) => {
      pending.delete(h as number);
    },
    fireAll: () => {
      const fns = [...pending.values()];
      pending.clear();
      for (const fn of fns) fn();
    },
    get size() {
      return pending.size;
    },
  };
}

describe('createDigest', () => {
  it('WebCrypto and the pure-JS fallback give the same SHA-256 hex', async () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const subtle = await createDigest(webcrypto.subtle)(data);
    const noble = await createDigest(undefined)(data);
    expect(subtle).toBe(hex(data));
    expect(noble).toBe(hex(data));
    expect(await createDigest(undefined)(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('SegmentVerifier', () => {
  it('is inactive until the server sends hashes (even an empty window)', () => {
    const v = new SegmentVerifier();
    expect(v.active).toBe(false);
    v.addHashes([]);
    expect(v.active).toBe(true);
    v.destroy();
    expect(v.active).toBe(false);
  });

  it('accepts matching bytes and rejects a flipped byte or a wrong size', async () => {
    const v = new SegmentVerifier();
    const good = bytes(1000, 7);
    v.addHashes([{ seq: 5, size: good.length, sha256: hex(good) }]);
    expect(await v.verify(5, good)).toBe('ok');
    const flipped = good.slice();
    flipped[500] = 1 ^ (flipped[500] ?? 0);
    expect(await v.verify(5, flipped)).toBe('corrupt');
    expect(await v.verify(5, good.subarray(1))).toBe('corrupt');
    expect(await v.verify(5, flipped, { source: 'cdn' })).toBe('corrupt');
    expect(v.counters).toMatchObject({
      verifiedSegments: 1,
      corruptSegments: 2,
      cdnMismatches: 1,
      unverifiedSegments: 0,
    });
  });

  it('the first hash of a seq wins', async () => {
    const v = new SegmentVerifier();
    const a = bytes(10, 1);
    v.addHashes([{ seq: 1, size: 10, sha256: hex(a) }]);
    v.addHashes([{ seq: 1, size: 10, sha256: hex(bytes(10, 2)) }]);
    expect(await v.verify(1, a)).toBe('ok');
  });

  it('waits for a hash that is not known yet, and resolves as soon as it arrives', async () => {
    const timers = manualTimers();
    const v = new SegmentVerifier({ hashWaitMs: 1000 }, timers);
    const b = bytes(100, 3);
    const pending = v.verify(9, b, { waitMs: 1000 });
    expect(timers.size).toBe(1);
    v.addHashes([{ seq: 9, size: 100, sha256: hex(b) }]);
    expect(await pending).toBe('ok');
    expect(timers.size).toBe(0);
  });

  it('counts a peer segment whose hash never comes as unverified', async () => {
    const timers = manualTimers();
    const v = new SegmentVerifier({}, timers);
    v.addHashes([]);
    const pending = v.verify(9, bytes(100, 3), { waitMs: 1000 });
    timers.fireAll();
    expect(await pending).toBe('unknown');
    expect(await v.verify(10, bytes(1, 1))).toBe('unknown'); // no wait at all
    expect(v.counters.unverifiedSegments).toBe(2);
  });

  it('keeps only the newest hashes', async () => {
    const v = new SegmentVerifier({ maxHashes: 3 });
    for (let seq = 1; seq <= 5; seq++) v.addHashes([{ seq, size: 1, sha256: hex(bytes(1, seq)) }]);
    expect(v.expected(2)).toBeUndefined();
    expect(v.expected(3)).toBeDefined();
    expect(await v.verify(5, bytes(1, 5))).toBe('ok');
  });

  it('destroy releases pending waits and is idempotent', async () => {
    const timers = manualTimers();
    const v = new SegmentVerifier({}, timers);
    const pending = v.verify(1, bytes(1, 1), { waitMs: 1000 });
    v.destroy();
    v.destroy();
    expect(await pending).toBe('unknown');
    expect(timers.size).toBe(0);
  });

  it('refuses bad config', () => {
    expect(() => new SegmentVerifier({ hashWaitMs: -1 })).toThrow(RangeError);
    expect(() => new SegmentVerifier({ hashWaitMs: 2000, hashWaitMaxMs: 1000 })).toThrow(
      RangeError,
    );
    expect(() => new SegmentVerifier({ maxHashes: 0 })).toThrow(RangeError);
  });
});
