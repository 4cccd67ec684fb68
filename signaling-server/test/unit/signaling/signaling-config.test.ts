import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SERVER_CONFIG, loadConfig } from '../../../src/config.js';

describe('signaling configuration', () => {
  it('defaults to no ICE servers, no filter, 8 neighbours, /socket.io, 64 KiB messages', () => {
    const c = loadConfig({});
    expect(c.iceServers).toEqual([]);
    expect(c.iceCandidateFilter).toBe('none');
    expect(c.signalingMaxNeighbours).toBe(8);
    expect(c.signalingPath).toBe('/socket.io');
    expect(c.signalingMaxMessageBytes).toBe(65536);
    expect(DEFAULT_SERVER_CONFIG.iceServers).toEqual([]);
  });

  it('reads ICE servers as a JSON array and the other variables', () => {
    const iceServers = [
      { urls: 'stun:stun.example.test:3478' },
      { urls: ['turn:turn.example.test:3478'], username: 'u', credential: 'p' },
    ];
    const c = loadConfig({
      ICE_SERVERS: JSON.stringify(iceServers),
      ICE_CANDIDATE_FILTER: 'loopback',
      SIGNALING_MAX_NEIGHBOURS: '12',
      SIGNALING_PATH: '/signal',
      SIGNALING_MAX_MESSAGE_BYTES: '100000',
    });
    expect(c.iceServers).toEqual(iceServers);
    expect(c.iceCandidateFilter).toBe('loopback');
    expect(c.signalingMaxNeighbours).toBe(12);
    expect(c.signalingPath).toBe('/signal');
    expect(c.signalingMaxMessageBytes).toBe(100000);
  });

  it.each([
    ['ICE_SERVERS', 'not json'],
    ['ICE_SERVERS', '{"urls":"stun:x"}'],
    ['ICE_SERVERS', '[{"url":"stun:x"}]'],
    ['ICE_SERVERS', '[{"urls":[]}]'],
    ['ICE_CANDIDATE_FILTER', 'lan'],
    ['SIGNALING_MAX_NEIGHBOURS', '0'],
    ['SIGNALING_MAX_NEIGHBOURS', 'many'],
    ['SIGNALING_PATH', 'socket.io'],
    ['SIGNALING_MAX_MESSAGE_BYTES', '100'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
