import { describe, expect, it } from 'vitest';
import { EngineIntegrity, isIntegritySignaling } from '../../../src/core/engine-integrity.js';
import { Emitter } from '../../../src/core/emitter.js';
import type { SegmentHashesMessage } from '../../../src/signaling/protocol.js';

class FakeSignaling extends Emitter<{ segmentHashes: (m: SegmentHashesMessage) => void }> {
  reports: [string, string, number][] = [];
  reportPeer(swarm: string, peer: string, seq: number): boolean {
    this.reports.push([swarm, peer, seq]);
    return true;
  }
}

const hash = (seq: number) => ({ seq, size: 1, sha256: 'a'.repeat(64) });

describe('EngineIntegrity', () => {
  it("routes a channel's hashes to the verifier of each rendition", () => {
    const signaling = new FakeSignaling();
    const integrity = new EngineIntegrity('demo', signaling);
    signaling.emit('segmentHashes', { swarm: 'demo/360p', hashes: [hash(1)] });
    signaling.emit('segmentHashes', { swarm: 'other/360p', hashes: [hash(2)] });
    const v = integrity.verifier('360p');
    expect(v?.active).toBe(true);
    expect(v?.expected(1)).toEqual(hash(1));
    expect(v?.expected(2)).toBeUndefined();
    expect(integrity.verifier('240p')?.active).toBe(false);
    integrity.destroy();
    signaling.emit('segmentHashes', { swarm: 'demo/360p', hashes: [hash(3)] });
    expect(v?.expected(3)).toBeUndefined();
    integrity.destroy();
  });

  it('bans and reports a liar once per rendition', () => {
    const signaling = new FakeSignaling();
    const integrity = new EngineIntegrity('demo', signaling);
    integrity.liar('360p', 'p1', 10);
    integrity.liar('360p', 'p1', 11);
    integrity.liar('240p', 'p1', 10);
    expect(signaling.reports).toEqual([
      ['demo/360p', 'p1', 10],
      ['demo/240p', 'p1', 10],
    ]);
    expect(integrity.counters.bannedPeers).toBe(2);
  });

  it('has no verifier when disabled or without a signaling that carries hashes', () => {
    expect(
      new EngineIntegrity('demo', new FakeSignaling(), { enabled: false }).verifier('360p'),
    ).toBeUndefined();
    expect(new EngineIntegrity('demo', undefined).verifier('360p')).toBeUndefined();
    expect(isIntegritySignaling(new FakeSignaling())).toBe(true);
    expect(isIntegritySignaling({ on: () => undefined })).toBe(false);
    expect(isIntegritySignaling(undefined)).toBe(false);
  });

  it('refuses bad config at construction', () => {
    expect(() => new EngineIntegrity('demo', undefined, { hashWaitMs: -5 })).toThrow(RangeError);
    expect(() => new EngineIntegrity('demo', undefined, { maxHashes: 1.5 })).toThrow(RangeError);
  });
});
