import { describe, expect, it } from 'vitest';
import * as protocol from '../../../../client/src/signaling/protocol.js';
import {
  CHANNEL_ID_RE,
  MAX_SIGNAL_BYTES,
  MAX_SWARMS_PER_SOCKET,
  PEER_WIRE_VERSION,
  RENDITION_RE,
  SWARM_ID_RE,
  describeIssues,
  joinSchema,
  moreSchema,
  plainJsonSize,
  signalSchema,
} from '../../../src/signaling/schemas.js';

describe('signaling schemas', () => {
  it('use the same limits as the client protocol (the server imports its types only)', () => {
    expect(CHANNEL_ID_RE.source).toBe(protocol.CHANNEL_ID_PATTERN.source);
    expect(RENDITION_RE.source).toBe(protocol.RENDITION_PATTERN.source);
    expect(SWARM_ID_RE.source).toBe(
      `${protocol.CHANNEL_ID_PATTERN.source.slice(0, -1)}\\/${protocol.RENDITION_PATTERN.source.slice(1)}`,
    );
    expect(MAX_SIGNAL_BYTES).toBe(protocol.MAX_SIGNAL_BYTES);
    expect(MAX_SWARMS_PER_SOCKET).toBe(protocol.MAX_SWARMS_PER_SOCKET);
    expect(PEER_WIRE_VERSION).toBe(protocol.PEER_WIRE_VERSION);
  });

  it('accept well-formed requests and reject extra keys', () => {
    expect(joinSchema.safeParse({ channel: 'demo', rendition: '360p' }).success).toBe(true);
    expect(joinSchema.safeParse({ channel: 'demo', rendition: '360p', x: 1 }).success).toBe(false);
    expect(joinSchema.safeParse({ channel: '-demo', rendition: '360p' }).success).toBe(false);
    expect(moreSchema.safeParse({ swarm: 'demo/360p', exclude: [] }).success).toBe(true);
    expect(moreSchema.safeParse({ swarm: 'demo', exclude: [] }).success).toBe(false);
    const signal = { swarm: 'demo/360p', to: 'abc', data: { type: 'offer', sdp: 'v=0' } };
    expect(signalSchema.safeParse(signal).success).toBe(true);
    expect(signalSchema.safeParse({ ...signal, data: [] }).success).toBe(false);
    expect(signalSchema.safeParse({ ...signal, data: null }).success).toBe(false);
  });

  it('measure plain JSON only, bounded in depth and size', () => {
    expect(plainJsonSize({ a: [1, 'x', null, true] }, 100, 4)).toBe(23);
    expect(plainJsonSize({ a: 'x'.repeat(200) }, 100, 4)).toBeUndefined();
    expect(plainJsonSize({ a: Number.NaN }, 100, 4)).toBeUndefined();
    expect(plainJsonSize({ a: new Date(0) }, 100, 4)).toBeUndefined();
    expect(plainJsonSize({ a: new Uint8Array(4) }, 100, 4)).toBeUndefined();
    expect(plainJsonSize({ a: () => 1 }, 100, 4)).toBeUndefined();
    expect(plainJsonSize({ a: undefined }, 100, 4)).toBeUndefined();
    // Multi-byte characters count in bytes, not UTF-16 units.
    expect(plainJsonSize({ a: 'é' }, 100, 4)).toBe(10);
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expect(plainJsonSize(deep, 1_000_000, 8)).toBeUndefined();
  });

  it('describe problems in one short line without echoing huge keys', () => {
    const r = joinSchema.safeParse({ channel: 'demo', rendition: '360p', ['k'.repeat(5000)]: 1 });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error).length).toBeLessThan(260);
  });
});
