import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { localityOf, subnetLocality } from '../../../src/signaling/locality.js';

const direct = { trustProxy: false, localityHeader: 'x-meshcast-region' };
const proxied = { trustProxy: true, localityHeader: 'x-meshcast-region' };

describe('subnetLocality', () => {
  it('keys IPv4 by /24, IPv4-mapped IPv6 included', () => {
    expect(subnetLocality('203.0.113.9')).toBe('4:203.0.113');
    expect(subnetLocality('203.0.113.250')).toBe('4:203.0.113');
    expect(subnetLocality('::ffff:203.0.113.7')).toBe('4:203.0.113');
    expect(subnetLocality('::FFFF:203.0.113.7')).toBe('4:203.0.113');
    expect(subnetLocality('203.0.114.9')).not.toBe(subnetLocality('203.0.113.9'));
  });

  it('keys IPv6 by /48 whatever the spelling', () => {
    const key = subnetLocality('2001:db8:85a3::8a2e:370:7334');
    expect(key).toBe('6:2001:db8:85a3');
    expect(subnetLocality('2001:0db8:85A3:0000:0000:8a2e:0370:7335')).toBe(key);
    expect(subnetLocality('2001:db8:85a3:ffff::1')).toBe(key);
    expect(subnetLocality('2001:db8:85a4::1')).not.toBe(key);
    expect(subnetLocality('2001:db8::1')).toBe('6:2001:db8:0');
    expect(subnetLocality('::1')).toBe('6:0:0:0');
    expect(subnetLocality('fe80::1%eth0')).toBe('6:fe80:0:0');
    expect(subnetLocality('64:ff9b::198.51.100.1')).toBe('6:64:ff9b:0');
  });

  it('gives nothing for what is not an address', () => {
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.256', '2001:db8::g', 'unix:/x']) {
      expect(subnetLocality(bad)).toBeUndefined();
    }
  });
});

describe('localityOf', () => {
  const headers = { 'x-meshcast-region': 'eu-west', 'x-forwarded-for': '198.51.100.4' };

  it('ignores forwarding headers unless the proxy is trusted', () => {
    expect(localityOf({ address: '10.0.0.2', headers }, direct)).toBe('4:10.0.0');
  });

  it('behind a trusted proxy: the region header, else the last X-Forwarded-For hop', () => {
    expect(localityOf({ address: '10.0.0.2', headers }, proxied)).toBe('r:eu-west');
    const noRegion = { 'x-forwarded-for': '6.6.6.6, 198.51.100.4' };
    expect(localityOf({ address: '10.0.0.2', headers: noRegion }, proxied)).toBe('4:198.51.100');
    // A region the proxy did not sanitise is ignored, not trusted blindly.
    const odd = { 'x-meshcast-region': 'eu west;drop', 'x-forwarded-for': '198.51.100.4' };
    expect(localityOf({ address: '10.0.0.2', headers: odd }, proxied)).toBe('4:198.51.100');
    expect(localityOf({ address: '10.0.0.2', headers: {} }, proxied)).toBe('4:10.0.0');
    expect(localityOf({ address: 'nonsense', headers: {} }, proxied)).toBeUndefined();
    const custom = { trustProxy: true, localityHeader: 'cf-ipcountry' };
    expect(localityOf({ address: '::1', headers: { 'cf-ipcountry': 'NL' } }, custom)).toBe('r:nl');
  });

  it('reads TRUST_PROXY, LOCALITY_HEADER and LOCALITY_RANDOM_SHARE', () => {
    expect(loadConfig({})).toMatchObject({
      trustProxy: false,
      localityHeader: 'x-meshcast-region',
      localityRandomShare: 0.25,
    });
    const c = loadConfig({
      TRUST_PROXY: 'true',
      LOCALITY_HEADER: 'CF-IPCountry',
      LOCALITY_RANDOM_SHARE: '0.5',
    });
    expect(c).toMatchObject({
      trustProxy: true,
      localityHeader: 'cf-ipcountry',
      localityRandomShare: 0.5,
    });
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ LOCALITY_HEADER: 'x region' })).toThrow(/LOCALITY_HEADER/);
    expect(() => loadConfig({ LOCALITY_RANDOM_SHARE: '1.5' })).toThrow(/LOCALITY_RANDOM_SHARE/);
  });
});
