import { describe, expect, it } from 'vitest';
import {
  acceptsCandidate,
  candidateAddress,
  filterSdp,
  filterSignal,
  isLoopbackAddress,
} from '../../../src/core/ice-filter.js';

const HOST_V4 = 'candidate:1 1 UDP 2114977791 192.168.1.20 50000 typ host';
const LOOP_V4 = 'a=candidate:1 1 UDP 2114977791 127.0.0.1 47627 typ host';
const LOOP_V6 = 'candidate:2 1 udp 2122262783 ::1 51000 typ host generation 0';
const MDNS =
  'candidate:3 1 udp 2122262783 6b1c3e2a-1111-2222-3333-444455556666.local 52000 typ host';

describe('ice-filter', () => {
  it('reads the address of a candidate line, with or without a=', () => {
    expect(candidateAddress(HOST_V4)).toBe('192.168.1.20');
    expect(candidateAddress(LOOP_V4)).toBe('127.0.0.1');
    expect(candidateAddress(LOOP_V6)).toBe('::1');
    expect(candidateAddress('a=mid:0')).toBeUndefined();
  });

  it('knows loopback addresses', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.1.2.3')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('[::1]')).toBe(true);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
    expect(isLoopbackAddress('128.0.0.1')).toBe(false);
    expect(isLoopbackAddress('x.local')).toBe(false);
  });

  it("'loopback' keeps loopback candidates only and rejects what it cannot parse", () => {
    expect(acceptsCandidate('loopback', LOOP_V4)).toBe(true);
    expect(acceptsCandidate('loopback', LOOP_V6)).toBe(true);
    expect(acceptsCandidate('loopback', HOST_V4)).toBe(false);
    expect(acceptsCandidate('loopback', MDNS)).toBe(false);
    expect(acceptsCandidate('loopback', 'garbage')).toBe(false);
    expect(acceptsCandidate('none', HOST_V4)).toBe(true);
  });

  it('filters candidate lines inside an SDP and keeps the rest', () => {
    const sdp = [
      'v=0',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      LOOP_V4,
      `a=${HOST_V4}`,
      'a=mid:0',
      '',
    ].join('\r\n');
    const filtered = filterSdp('loopback', sdp);
    expect(filtered).toContain(LOOP_V4);
    expect(filtered).not.toContain('192.168.1.20');
    expect(filtered).toContain('a=mid:0');
    expect(filterSdp('none', sdp)).toBe(sdp);
  });

  it('drops trickled candidate signals and rewrites offers', () => {
    expect(
      filterSignal('loopback', { type: 'candidate', candidate: { candidate: HOST_V4 } }),
    ).toBeUndefined();
    const loop = { type: 'candidate', candidate: { candidate: LOOP_V4, sdpMid: '0' } };
    expect(filterSignal('loopback', loop)).toBe(loop);
    // The end-of-candidates marker passes.
    const end = { type: 'candidate', candidate: { candidate: '' } };
    expect(filterSignal('loopback', end)).toBe(end);
    const offer = filterSignal('loopback', {
      type: 'offer',
      sdp: `v=0\r\na=${HOST_V4}\r\n${LOOP_V4}`,
    });
    expect(offer).toEqual({ type: 'offer', sdp: `v=0\r\n${LOOP_V4}` });
    expect(filterSignal('loopback', 'not an object')).toBe('not an object');
  });
});
