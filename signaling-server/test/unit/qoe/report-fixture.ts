import type { QoeReport } from '../../../../client/src/signaling/protocol.js';

/** A valid report; override fields per test. */
export function report(overrides: Partial<QoeReport> = {}): QoeReport {
  return {
    channel: 'demo',
    rendition: '360p',
    sessionId: 'session-aaaa',
    startupMs: 900,
    stalls: 0,
    stallMs: 0,
    playMs: 5000,
    rebufferRatio: 0,
    continuityIndex: 1,
    segmentsPlayed: 2,
    segmentsOnTime: 2,
    latencySec: 6,
    switches: 0,
    cdnBytes: 100_000,
    p2pBytes: 0,
    uploadBytes: 0,
    peers: 0,
    ...overrides,
  };
}
