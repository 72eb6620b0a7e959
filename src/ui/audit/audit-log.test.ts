import { describe, expect, it } from 'vitest';
import { auditTarget } from './audit-log.js';

describe('auditTarget', () => {
  it('names the resource and which one for changes, from the path or a create answer', () => {
    expect(auditTarget('PUT', '/api/datasources/uid/loki', undefined)).toEqual({ resource: 'datasource', resourceId: 'uid/loki' });
    expect(auditTarget('POST', '/api/dashboards/db', { uid: 'abc', id: 3 })).toEqual({ resource: 'dashboard', resourceId: 'abc' });
    expect(auditTarget('POST', '/api/datasources', { datasource: { uid: 'x' }, id: 9 })).toEqual({ resource: 'datasource', resourceId: 'x' });
    expect(auditTarget('DELETE', '/api/v1/provisioning/alert-rules/r1', undefined)).toEqual({ resource: 'rule', resourceId: 'r1' });
    expect(auditTarget('POST', '/api/ruler/grafana/api/v1/rules/folder', undefined)).toEqual({ resource: 'rule', resourceId: 'grafana/api/v1/rules/folder' });
    expect(auditTarget('PATCH', '/api/org/users/4', undefined)).toEqual({ resource: 'user', resourceId: '4' });
  });

  it('leaves out reads, queries through the proxy, sign-in/out and a user own stars', () => {
    expect(auditTarget('GET', '/api/datasources', undefined)).toBeUndefined();
    expect(auditTarget('POST', '/api/datasources/proxy/uid/prometheus/api/v1/query', undefined)).toBeUndefined();
    expect(auditTarget('POST', '/api/ds/query', undefined)).toBeUndefined();
    expect(auditTarget('POST', '/api/logout', undefined)).toBeUndefined();
    expect(auditTarget('POST', '/api/user/stars/dashboard/uid/a', undefined)).toBeUndefined();
  });
});
