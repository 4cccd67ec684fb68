import { describe, expect, it } from 'vitest';
import * as protocol from '../../../../client/src/signaling/protocol.js';
import {
  MAX_REPORT_BYTES,
  qoeReportSchema,
  SESSION_ID_RE,
} from '../../../src/qoe/report-schema.js';
import { report } from './report-fixture.js';

describe('QoE report schema', () => {
  it('uses the same limits as the client protocol', () => {
    expect(SESSION_ID_RE.source).toBe(protocol.SESSION_ID_PATTERN.source);
    expect(MAX_REPORT_BYTES).toBe(protocol.MAX_QOE_REPORT_BYTES);
  });

  it('accepts a full report and a minimal one', () => {
    expect(qoeReportSchema.parse(report())).toEqual(report());
    const minimal = report({ final: true });
    delete minimal.rendition;
    delete minimal.startupMs;
    delete minimal.continuityIndex;
    delete minimal.latencySec;
    expect(qoeReportSchema.safeParse(minimal).success).toBe(true);
  });

  const bad: [string, unknown][] = [
    ['unknown key', { ...report(), extra: 1 }],
    ['missing counter', (({ cdnBytes: _, ...rest }) => rest)(report())],
    ['channel not a slug', report({ channel: 'Demo!' })],
    ['short session id', report({ sessionId: 'abc' })],
    ['session id with a slash', report({ sessionId: 'abcdefgh/1' })],
    ['negative bytes', report({ cdnBytes: -1 })],
    ['fractional bytes', report({ p2pBytes: 1.5 })],
    ['NaN', report({ playMs: Number.NaN })],
    ['Infinity', report({ stallMs: Number.POSITIVE_INFINITY })],
    ['ratio above 1', report({ rebufferRatio: 1.2 })],
    ['continuity below 0', report({ continuityIndex: -0.1 })],
    ['on-time above played', report({ segmentsPlayed: 2, segmentsOnTime: 3 })],
    ['absurd startup', report({ startupMs: 3_600_000 })],
    ['absurd peers', report({ peers: 100_000 })],
    ['string number', { ...report(), stalls: '1' }],
    ['final not boolean', { ...report(), final: 'yes' }],
    ['rendition with spaces', report({ rendition: '360 p' })],
    ['not an object', 'report'],
    ['null', null],
  ];
  it.each(bad)('rejects %s', (_name, payload) => {
    expect(qoeReportSchema.safeParse(payload).success).toBe(false);
  });
});
