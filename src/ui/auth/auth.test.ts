import { describe, expect, it } from 'vitest';
import { isReadPath } from '../datasources/proxy-paths.js';
import { upstreamTarget, upstreamUrl } from '../datasources/upstream.js';
import { hashPassword, verifyPassword } from './password.js';
import { SecretBox } from './secret-box.js';

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('hunter2-long');
    const b = await hashPassword('hunter2-long');
    expect(a).toMatch(/^scrypt\$8192\$8\$10\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('hunter2-long', a)).toBe(true);
    expect(await verifyPassword('hunter2-Long', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('still verifies a hash made with other parameters (they travel with the hash)', async () => {
    const old = await hashPassword('hunter2-long', { N: 1 << 15, r: 8, p: 2 });
    expect(old).toMatch(/^scrypt\$32768\$8\$2\$/);
    expect(await verifyPassword('hunter2-long', old)).toBe(true);
    expect(await verifyPassword('hunter2-lonG', old)).toBe(false);
  });
});

describe('secret box', () => {
  it('round-trips, authenticates, and needs the same key', () => {
    const box = new SecretBox('key-one-0123456789');
    const sealed = box.seal({ basicAuthPassword: 'p@ss' });
    expect(sealed).not.toContain('p@ss');
    expect(box.open(sealed)).toEqual({ basicAuthPassword: 'p@ss' });
    expect(box.seal({})).toBe('');
    expect(() => new SecretBox('another-key-0123456').open(sealed)).toThrow();
    const [v, iv, tag, ct] = sealed.split(':');
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] ^= 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64')].join(':'))).toThrow();
  });
});

describe('datasource proxy paths', () => {
  it('lets non-admins reach read endpoints only', () => {
    expect(isReadPath('prometheus', 'api/v1/query_range')).toBe(true);
    expect(isReadPath('prometheus', 'api/v1/label/job/values')).toBe(true);
    expect(isReadPath('prometheus', 'api/v1/admin/tsdb/delete_series')).toBe(false);
    expect(isReadPath('prometheus', 'api/v1/write')).toBe(false);
    expect(isReadPath('loki', 'loki/api/v1/query_range')).toBe(true);
    expect(isReadPath('loki', 'loki/api/v1/push')).toBe(false);
    expect(isReadPath('tempo', 'api/traces/abc')).toBe(true);
    expect(isReadPath('tempo', 'flush')).toBe(false);
  });
  it('joins sub-paths under the base URL and refuses climbing out', () => {
    expect(upstreamUrl('http://m:8080/prometheus/', 'api/v1/query', '?query=up').href).toBe('http://m:8080/prometheus/api/v1/query?query=up');
    expect(() => upstreamUrl('http://m/p', '../admin', '')).toThrow(/invalid proxy path/);
    expect(() => upstreamUrl('http://m/p', '..%2Fadmin', '')).toThrow(/invalid proxy path/);
    expect(() => upstreamUrl('http://m/p', '%2e%2e/admin', '')).toThrow(/invalid proxy path/);
  });
  it('judges the path the upstream will serve: backslashes, fragments, encoded dots/slashes and parameters are refused', () => {
    for (const sub of ['loki/api/v1/label/..\\push#/values', 'api/traces/..\\..\\flush', 'loki/api/v1/label/%2E%2E/push', 'api/v1/label/a%5c..%5cwrite/values', 'api/v1/label/x;/values', 'api/v1//write', 'api/v1/label/%2fwrite/values']) {
      expect(() => upstreamTarget('http://m:3100/', sub, ''), sub).toThrow(/invalid proxy path/);
    }
    const t = upstreamTarget('http://m:3100/loki-base', 'loki/api/v1/label/service.name/values', '?start=1');
    expect([t.url.href, t.subPath]).toEqual(['http://m:3100/loki-base/loki/api/v1/label/service.name/values?start=1', 'loki/api/v1/label/service.name/values']);
    expect(isReadPath('loki', t.subPath)).toBe(true);
  });
});
