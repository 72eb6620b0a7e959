/** Grafana's dashboard and panel links: variables interpolated, `includeVars` and `keepTime` appended (pure). */
import { describe, expect, it } from 'vitest';
import type { VariableValue } from '../ui/src/dashboards/interpolate.js';
import { linkParams, linkUrl } from '../ui/src/dashboards/links.js';

const vars = new Map<string, VariableValue>([
  ['app', { value: 'checkout' }],
  ['pod', { value: ['a', 'b'], multi: true }],
  ['node', { value: '$__all', isAll: true, options: ['n1'] }],
]);
const range = { from: 'now-1h', to: 'now' };

describe('dashboard links', () => {
  it('interpolates the URL and appends the variables and the time range when asked', () => {
    expect(linkUrl({ url: '/d/x/y?orgId=1&app=$app' }, vars, ['app'], range)).toBe('/d/x/y?orgId=1&app=checkout');
    expect(linkUrl({ url: '/d/x/y', includeVars: true, keepTime: true }, vars, ['app', 'pod', 'node'], range)).toBe('/d/x/y?from=now-1h&to=now&var-app=checkout&var-pod=a&var-pod=b&var-node=%24__all');
    expect(linkUrl({ url: 'https://grafana.com/docs/#logql', keepTime: true }, vars, [], range)).toBe('https://grafana.com/docs/?from=now-1h&to=now#logql');
    // only the dashboard's variables, not everything in scope
    expect(linkParams({ includeVars: true }, vars, ['app', 'missing'], range).toString()).toBe('var-app=checkout');
    expect(linkUrl({}, vars, [], range)).toBe('');
  });
});
