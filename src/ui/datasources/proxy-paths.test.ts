import { describe, expect, it } from 'vitest';
import { proxyRole } from './proxy-paths.js';

describe('proxyRole', () => {
  it('lets Viewers read an Alertmanager, Editors create and expire silences, and only Admins post alerts', () => {
    expect(proxyRole('alertmanager', 'GET', 'api/v2/alerts/groups')).toBe('Viewer');
    expect(proxyRole('alertmanager', 'GET', '/api/v2/silence/abc/')).toBe('Viewer');
    expect(proxyRole('alertmanager', 'POST', 'api/v2/silences')).toBe('Editor');
    expect(proxyRole('alertmanager', 'DELETE', 'api/v2/silence/8d1c')).toBe('Editor');
    expect(proxyRole('alertmanager', 'POST', 'api/v2/alerts')).toBe('Admin');
    expect(proxyRole('alertmanager', 'DELETE', 'api/v2/silences')).toBe('Admin');
    expect(proxyRole('alertmanager', 'POST', '-/reload')).toBe('Admin');
  });
  it('keeps the other types as before: reads (GET or POST) for Viewers, the rest for Admins', () => {
    expect(proxyRole('prometheus', 'POST', 'api/v1/query')).toBe('Viewer');
    expect(proxyRole('prometheus', 'DELETE', 'api/v1/query')).toBe('Admin');
    expect(proxyRole('loki', 'POST', 'loki/api/v1/push')).toBe('Admin');
  });
});

describe('the Loki ruler through the proxy', () => {
  it('lets a Viewer read the rule state the alert list shows, not change rules', () => {
    expect(proxyRole('loki', 'GET', 'prometheus/api/v1/rules')).toBe('Viewer');
    expect(proxyRole('loki', 'GET', 'prometheus/api/v1/alerts')).toBe('Viewer');
    expect(proxyRole('loki', 'POST', 'loki/api/v1/rules/ns')).toBe('Admin');
  });
});
