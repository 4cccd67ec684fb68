import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SERVER_CONFIG, loadConfig } from '../../../src/config.js';

describe('INTEGRITY* environment variables', () => {
  it('default to on, 1000 ms, 2 reports', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ integrity: true, integrityPollMs: 500, integrityExcludeReports: 2 });
    expect(DEFAULT_SERVER_CONFIG.integrity).toBe(true);
  });

  it('are read and validated', () => {
    const c = loadConfig({
      INTEGRITY: 'off',
      INTEGRITY_POLL_MS: '250',
      INTEGRITY_EXCLUDE_REPORTS: '3',
    });
    expect(c).toMatchObject({ integrity: false, integrityPollMs: 250, integrityExcludeReports: 3 });
    expect(loadConfig({ INTEGRITY: 'on' }).integrity).toBe(true);
    expect(() => loadConfig({ INTEGRITY: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ INTEGRITY_POLL_MS: '10' })).toThrow(/INTEGRITY_POLL_MS/);
    expect(() => loadConfig({ INTEGRITY_EXCLUDE_REPORTS: '0' })).toThrow(ConfigError);
  });
});
