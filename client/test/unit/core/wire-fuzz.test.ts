import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError, decode, encode, type WireErrorType } from '../../../src/core/wire.js';
import { frameArb, fuzzFrames } from '../../support/wire-fuzz-frames.js';

const FRAMES = 100_000;
const SEED = 20261124;

/** Decodes one frame: a WireError type, or 'ok' after checking that it re-encodes identically. */
function outcome(frame: Uint8Array): WireErrorType | 'ok' {
  let message;
  try {
    message = decode(frame);
  } catch (err) {
    if (err instanceof WireError) return err.type;
    throw err;
  }
  // One encoding per message: whatever decodes must re-encode to the very same bytes.
  if (Buffer.compare(encode(message), frame) !== 0) throw new Error('decode/encode mismatch');
  return 'ok';
}

describe('wire decoder fuzz', () => {
  it(`takes ${FRAMES} random and mutated frames: WireError or an exact round trip, never a crash`, () => {
    const started = performance.now();
    const frames = fuzzFrames(FRAMES, SEED);
    const counts = new Map<string, number>();
    for (const frame of frames) {
      const o = outcome(frame);
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    const ms = performance.now() - started;
    console.log(`wire fuzz: ${FRAMES} frames in ${Math.round(ms)} ms`, Object.fromEntries(counts));
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(FRAMES);
    // Both sides of the decoder are exercised, and every kind of rejection is reached.
    expect(counts.get('ok') ?? 0).toBeGreaterThan(FRAMES / 5);
    for (const type of [
      'truncated',
      'unknown-version',
      'unknown-type',
      'invalid-field',
      'trailing-bytes',
    ] as const) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(100);
    }
    expect(ms).toBeLessThan(30_000);
  }, 60_000);

  it('holds as a shrinking property too (a failure would print its smallest frame)', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        outcome(frame);
      }),
      { numRuns: 10_000, seed: SEED + 1 },
    );
  }, 60_000);
});
