import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SERVER_CONFIG, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.publicUrl).toBeUndefined();
    expect(c).toEqual({ ...DEFAULT_SERVER_CONFIG, ...c });
  });

  it('reads and coerces variables', () => {
    const c = loadConfig({ PORT: '9000', HOST: '0.0.0.0', PUBLIC_URL: 'https://tv.example.com/' });
    expect(c.port).toBe(9000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicUrl).toBe('https://tv.example.com');
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', PUBLIC_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('reads the channel store and admin settings', () => {
    const d = loadConfig({});
    expect(d.dataDir).toMatch(/\/data$/);
    expect(d.redisUrl).toBeUndefined();
    expect(d.adminToken).toBeUndefined();
    const c = loadConfig({
      DATA_DIR: '/var/lib/meshcast',
      REDIS_URL: 'redis://:pw@127.0.0.1:6379/2',
      ADMIN_TOKEN: 'a-long-enough-token',
    });
    expect(c).toMatchObject({
      dataDir: '/var/lib/meshcast',
      redisUrl: 'redis://:pw@127.0.0.1:6379/2',
      adminToken: 'a-long-enough-token',
    });
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: at least 16/);
    // The message never echoes a token.
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).not.toThrow(/short/);
  });
});
