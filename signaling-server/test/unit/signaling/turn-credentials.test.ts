import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import {
  iceServersFor,
  turnCredentials,
  turnPassword,
} from '../../../src/signaling/turn-credentials.js';

const secret = 'north-sea-turn-secret-2026';
const config = {
  turnUrls: ['turn:turn.example.net:3478?transport=udp', 'turns:turn.example.net:5349'],
  turnSecret: secret,
  turnTtlSeconds: 3600,
};

describe('TURN REST credentials', () => {
  it('matches known HMAC-SHA1 vectors (RFC 2202 and one made with openssl)', () => {
    // RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?").
    expect(turnPassword('Jefe', 'what do ya want for nothing?')).toBe(
      Buffer.from('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', 'hex').toString('base64'),
    );
    // printf '%s' '1795000000:peer-abc' | openssl dgst -sha1 -hmac "$secret" -binary | base64
    expect(turnPassword(secret, '1795000000:peer-abc')).toBe('nl/Vzyk+gqQnk7rUYCzeAQRne1U=');
    expect(turnCredentials(config, 'peer-abc', (1795000000 - 3600) * 1000 + 999)).toMatchObject({
      username: '1795000000:peer-abc',
      credential: 'nl/Vzyk+gqQnk7rUYCzeAQRne1U=',
    });
  });

  it('gives `<expiry>:<peerId>` and base64(HMAC-SHA1(secret, username))', () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0, 250);
    const ice = turnCredentials(config, 'Xy_9-abc', now);
    expect(ice?.urls).toEqual(config.turnUrls);
    const [expiry, peer, ...rest] = (ice?.username ?? '').split(':');
    expect(rest).toEqual([]);
    expect(peer).toBe('Xy_9-abc');
    expect(Number(expiry)).toBe(Math.floor(now / 1000) + 3600);
    const expected = createHmac('sha1', secret)
      .update(ice?.username ?? '')
      .digest('base64');
    expect(ice?.credential).toBe(expected);
    // A different secret or username gives a different password.
    expect(turnPassword('another-secret-of-16', ice?.username ?? '')).not.toBe(expected);
    expect(turnCredentials(config, 'Xy_9-abd', now)?.credential).not.toBe(expected);
  });

  it('is absent without URLs or secret; the join list keeps configured servers first', () => {
    expect(turnCredentials({ ...config, turnUrls: [] }, 'p', 0)).toBeUndefined();
    expect(turnCredentials({ ...config, turnSecret: undefined }, 'p', 0)).toBeUndefined();
    const stun = { urls: 'stun:stun.example.net:3478' };
    const list = iceServersFor({ ...config, iceServers: [stun] }, 'p1', 60_000);
    expect(list).toHaveLength(2);
    expect(list[0]).toEqual(stun);
    expect(list[0]).not.toBe(stun); // a copy: a handler may not mutate the config
    expect(list[1]?.username).toBe(`${60 + 3600}:p1`);
    expect(iceServersFor({ ...config, turnUrls: [], iceServers: [stun] }, 'p1', 0)).toEqual([stun]);
  });

  it('reads TURN_URLS, TURN_SECRET and TURN_TTL from the environment', () => {
    const d = loadConfig({});
    expect(d).toMatchObject({ turnUrls: [], turnSecret: undefined, turnTtlSeconds: 86_400 });
    const c = loadConfig({
      TURN_URLS: 'turn:a.example:3478, turns:a.example:5349',
      TURN_SECRET: secret,
      TURN_TTL: '600',
    });
    expect(c).toMatchObject({
      turnUrls: ['turn:a.example:3478', 'turns:a.example:5349'],
      turnSecret: secret,
      turnTtlSeconds: 600,
    });
    expect(() => loadConfig({ TURN_URLS: 'turn:a.example' })).toThrow(/TURN_SECRET/);
    expect(() => loadConfig({ TURN_SECRET: secret })).toThrow(/TURN_URLS/);
    expect(() => loadConfig({ TURN_URLS: 'http://a.example', TURN_SECRET: secret })).toThrow(
      /TURN_URLS/,
    );
    expect(() => loadConfig({ TURN_URLS: 'turn:a', TURN_SECRET: 'short' })).toThrow(/TURN_SECRET/);
    expect(() => loadConfig({ TURN_URLS: 'turn:a', TURN_SECRET: secret, TURN_TTL: '5' })).toThrow(
      /TURN_TTL/,
    );
  });
});
