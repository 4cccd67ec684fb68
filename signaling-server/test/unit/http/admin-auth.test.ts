import { describe, expect, it } from 'vitest';
import { generateAdminToken, tokensEqual } from '../../../src/http/admin-auth.js';

describe('admin token', () => {
  it('compares whole tokens of any length', () => {
    expect(tokensEqual('secret-token-123456', 'secret-token-123456')).toBe(true);
    expect(tokensEqual('secret-token-12345', 'secret-token-123456')).toBe(false);
    expect(tokensEqual('secret-token-1234567', 'secret-token-123456')).toBe(false);
    expect(tokensEqual('', 'secret-token-123456')).toBe(false);
    expect(tokensEqual('Secret-token-123456', 'secret-token-123456')).toBe(false);
  });

  it('generates long, URL-safe, distinct tokens', () => {
    const a = generateAdminToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateAdminToken()).not.toBe(a);
  });
});
