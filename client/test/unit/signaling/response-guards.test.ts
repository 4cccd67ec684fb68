import { describe, expect, it } from 'vitest';
import {
  parseAck,
  parseErrorInfo,
  parseIceConfig,
  parsePeerIds,
  parseRelayedSignal,
} from '../../../src/signaling/response-guards.js';

describe('signaling response guards', () => {
  it('accept well-formed server messages', () => {
    expect(parsePeerIds(['a', 'b'])).toEqual(['a', 'b']);
    expect(
      parseIceConfig({
        iceServers: [{ urls: 'stun:h:3478' }, { urls: ['turn:h'], username: 'u', credential: 'c' }],
        candidateFilter: 'loopback',
      }),
    ).toEqual({
      iceServers: [{ urls: 'stun:h:3478' }, { urls: ['turn:h'], username: 'u', credential: 'c' }],
      candidateFilter: 'loopback',
    });
    expect(parseAck({ ok: true, neighbours: [] })).toEqual({
      ok: true,
      body: { ok: true, neighbours: [] },
    });
    expect(parseAck({ ok: false, error: { code: 'not-in-swarm', message: 'm' } })).toEqual({
      ok: false,
      error: { code: 'not-in-swarm', message: 'm' },
    });
    expect(parseRelayedSignal({ swarm: 'd/1', from: 'p', data: { type: 'offer' } })).toEqual({
      swarm: 'd/1',
      from: 'p',
      data: { type: 'offer' },
    });
  });

  it.each([
    ['peer ids', () => parsePeerIds('a')],
    ['peer ids', () => parsePeerIds([1])],
    ['peer ids', () => parsePeerIds(['x'.repeat(65)])],
    ['peer ids', () => parsePeerIds(Array.from({ length: 257 }, (_, i) => `p${i}`))],
    ['ice', () => parseIceConfig({ iceServers: [], candidateFilter: 'all' })],
    ['ice', () => parseIceConfig({ iceServers: [{ urls: 3 }], candidateFilter: 'none' })],
    ['ice', () => parseIceConfig({ iceServers: [{ urls: [] }], candidateFilter: 'none' })],
    ['ice', () => parseIceConfig({ iceServers: {}, candidateFilter: 'none' })],
    ['ack', () => parseAck(null)],
    ['ack', () => parseAck({ ok: 'yes' })],
    ['ack', () => parseAck({ ok: false })],
    ['ack', () => parseAck({ ok: false, error: 'bad' })],
    ['error', () => parseErrorInfo({ code: 1, message: 'x' })],
    ['signal', () => parseRelayedSignal({ swarm: 'd/1', from: 'p', data: [] })],
    ['signal', () => parseRelayedSignal({ swarm: 'd/1', from: 7, data: {} })],
    [
      'signal',
      () => parseRelayedSignal({ swarm: 'd/1', from: 'p', data: { s: 'x'.repeat(17000) } }),
    ],
  ])('reject malformed %s (%#)', (_what, parse) => {
    expect(parse()).toBeUndefined();
  });

  it('map unknown error codes to internal and cut long messages', () => {
    const e = parseErrorInfo({ code: 'mystery', message: 'x'.repeat(5000), event: 'join' });
    expect(e?.code).toBe('internal');
    expect(e?.message.length).toBe(1000);
    expect(e?.event).toBe('join');
  });
});
