import { describe, expect, it } from 'vitest';
import type { HttpError } from './errors.js';
import { resolveTenant } from './tenant.js';
import { TenantTokens, bindPrincipal, hashTenantToken, requiredScope } from './tenant-auth.js';

const tokens = new TenantTokens([
  { name: 'a', token_sha256: hashTenantToken('secret-a'), tenants: ['team-a'], scopes: ['logs:read'] },
  { name: 'ab', token_sha256: hashTenantToken('secret-ab'), tenants: ['team-a', 'team-b'], scopes: ['admin'] },
]);
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('tenant tokens', () => {
  it('authenticate a bearer token or the basic auth password; nothing else', () => {
    expect(tokens.authenticate('Bearer secret-a')?.name).toBe('a');
    expect(tokens.authenticate(basic('team-a', 'secret-a'))?.name).toBe('a');
    expect(tokens.authenticate('Bearer secret-b')).toBeUndefined();
    expect(tokens.authenticate(basic('secret-a', 'x'))).toBeUndefined();
    expect(tokens.authenticate(undefined)).toBeUndefined();
    expect(tokens.authenticate('Bearer ')).toBeUndefined();
  });

  it("resolveTenant takes the credential's tenant; the header only narrows", () => {
    const mt = { multiTenant: true, defaultTenant: 'fake' };
    const req = (org?: string, who = 'Bearer secret-a') => {
      const h: Record<string, string> = org === undefined ? {} : { 'x-scope-orgid': org };
      bindPrincipal(h, tokens.authenticate(who)!);
      return h;
    };
    expect(resolveTenant(req(), mt)).toBe('team-a');
    expect(resolveTenant(req('team-a'), mt)).toBe('team-a');
    const status = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as HttpError).status;
      }
      return 200;
    };
    expect(status(() => resolveTenant(req('team-b'), mt))).toBe(403);
    expect(status(() => resolveTenant(req('team-a|team-b'), mt))).toBe(403);
    expect(status(() => resolveTenant(req(undefined, 'Bearer secret-ab'), mt))).toBe(400);
    expect(resolveTenant(req('team-b', 'Bearer secret-ab'), mt)).toBe('team-b');
    // without a bound credential the header is taken as before
    expect(resolveTenant({ 'x-scope-orgid': 'team-b' }, mt)).toBe('team-b');
  });

  it.each([
    ['mimir', 'POST', '/api/v1/push', 'metrics:write'],
    ['mimir', 'GET', '/prometheus/api/v1/query', 'metrics:read'],
    ['mimir', 'POST', '/prometheus/api/v1/query_range', 'metrics:read'],
    ['metrics', 'POST', '/api/v1/write', 'metrics:write'],
    ['metrics', 'GET', '/api/v1/rules', 'rules:read'],
    ['metrics', 'GET', '/api/v1/alerts', 'alerts:read'],
    ['metrics', 'POST', '/-/reload', 'admin'],
    ['metrics', 'GET', '/api/v1/status/config', 'admin'],
    ['metrics', 'POST', '/api/v1/admin/tsdb/delete_series', 'admin'],
    ['logs', 'POST', '/loki/api/v1/push', 'logs:write'],
    ['logs', 'GET', '/loki/api/v1/tail', 'logs:read'],
    ['logs', 'POST', '/flush', 'admin'],
    ['logs', 'GET', '/metrics', 'admin'],
    ['traces', 'GET', '/api/traces/abc', 'traces:read'],
    ['jaeger', 'POST', '/api/traces', 'traces:write'],
    ['zipkin', 'POST', '/api/v2/spans', 'traces:write'],
    ['otlp', 'POST', '/v1/logs', 'logs:write'],
    ['otlp', 'POST', '/v1/metrics', 'metrics:write'],
    ['alertmanager', 'POST', '/api/v2/silences', 'alerts:write'],
    ['alertmanager', 'GET', '/api/v2/alerts', 'alerts:read'],
    ['ui', 'GET', '/api/datasources', undefined],
  ])('%s %s %s needs %s', (listener, method, path, scope) => {
    expect(requiredScope(listener, method, path)).toBe(scope);
  });

  it('an unknown POST is a write, never a read', () => {
    expect(requiredScope('logs', 'POST', '/loki/api/v1/something-new')).toBe('logs:write');
    expect(requiredScope('traces', 'DELETE', '/api/traces/abc')).toBe('traces:write');
  });
});
