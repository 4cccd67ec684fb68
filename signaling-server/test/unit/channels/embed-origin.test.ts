import { describe, expect, it } from 'vitest';
import { embedOriginAllowed, normalizeOrigin } from '../../../src/channels/embed-origin.js';

describe('embedOriginAllowed', () => {
  const list = ['https://a.example', 'http://b.example:8080'];

  it('an empty list or * allows any origin', () => {
    expect(embedOriginAllowed([], 'https://x.example', 'h:1')).toBe(true);
    expect(embedOriginAllowed(['*'], 'https://x.example', 'h:1')).toBe(true);
  });

  it('allows listed origins, compared as origins', () => {
    expect(embedOriginAllowed(list, 'https://a.example', 'h:1')).toBe(true);
    expect(embedOriginAllowed(list, 'https://A.example:443', 'h:1')).toBe(true);
    expect(embedOriginAllowed(list, 'http://b.example:8080', 'h:1')).toBe(true);
  });

  it('refuses other origins, other schemes and ports, and opaque origins', () => {
    expect(embedOriginAllowed(list, 'https://c.example', 'h:1')).toBe(false);
    expect(embedOriginAllowed(list, 'http://a.example', 'h:1')).toBe(false);
    expect(embedOriginAllowed(list, 'http://b.example', 'h:1')).toBe(false);
    expect(embedOriginAllowed(list, 'null', 'h:1')).toBe(false);
  });

  it('always allows the server’s own pages and requests without an Origin', () => {
    expect(embedOriginAllowed(list, 'http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true);
    expect(embedOriginAllowed(list, undefined, '127.0.0.1:8080')).toBe(true);
    expect(embedOriginAllowed(list, 'http://127.0.0.1:8081', '127.0.0.1:8080')).toBe(false);
  });

  it('normalizeOrigin keeps http(s) origins only', () => {
    expect(normalizeOrigin('https://Example.com:443/path')).toBe('https://example.com');
    expect(normalizeOrigin('file:///x')).toBeUndefined();
    expect(normalizeOrigin('not a url')).toBeUndefined();
  });
});
