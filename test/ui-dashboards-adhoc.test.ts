/** Ad hoc filters injected into PromQL and LogQL through the languages' parsers (pure). */
import { describe, expect, it } from 'vitest';
import { addLogqlFilters, addPromqlFilters, applyAdhocFilters } from '../ui/src/dashboards/adhoc.js';
import { adhocUrlValue, parseAdhocUrlValue } from '../ui/src/dashboards/adhoc-url.js';
import { extractSelectors } from '../src/metrics/promql/index.js';

const f = (key: string, operator: string, value: string) => ({ key, operator, value });

describe('ad hoc filters', () => {
  it('adds matchers to every PromQL vector selector, with or without braces, inside functions and binary expressions', () => {
    const filters = [f('env', '=', 'prod'), f('pod', '=~', 'api-.*')];
    expect(addPromqlFilters('up', filters)).toBe('up{env="prod",pod=~"api-.*"}');
    expect(addPromqlFilters('sum by (job) (rate(http_requests_total{code="500"}[5m])) / on(job) group_left sum by (job) (rate(http_requests_total[5m] offset 1h))', [f('env', '=', 'prod')])).toBe(
      'sum by (job) (rate(http_requests_total{code="500",env="prod"}[5m])) / on(job) group_left sum by (job) (rate(http_requests_total{env="prod"}[5m] offset 1h))',
    );
    expect(addPromqlFilters('{__name__="up"} + foo{} + bar{a="b",}', [f('env', '!=', 'dev')])).toBe('{__name__="up",env!="dev"} + foo{env!="dev"} + bar{a="b",env!="dev"}');
    // label names in strings and durations are not selectors; numbers and strings stay untouched
    expect(addPromqlFilters('label_replace(up, "dst", "$1", "src", "(.*)") > 0.5', [f('env', '=', 'prod')])).toBe('label_replace(up{env="prod"}, "dst", "$1", "src", "(.*)") > 0.5');
    expect(addPromqlFilters('vector(1)', [f('env', '=', 'prod')])).toBe('vector(1)');
    // a matcher already there is not added again (written with single quotes here)
    expect(addPromqlFilters("up{env='prod'}", [f('env', '=', 'prod')])).toBe("up{env='prod'}");
    // values are quoted as string literals
    expect(addPromqlFilters('up', [f('path', '=', 'C:\\dir "x"')])).toBe('up{path="C:\\\\dir \\"x\\""}');
    // a query that does not parse is left alone; bad keys or operators are dropped
    expect(addPromqlFilters('rate(up[', [f('env', '=', 'prod')])).toBe('rate(up[');
    expect(addPromqlFilters('up', [f('bad key', '=', 'x'), f('env', '<>', 'x')])).toBe('up');
  });

  it('gives PromQL that Sightline\'s parser reads, with the matchers in every selector', () => {
    const out = addPromqlFilters('histogram_quantile(0.9, sum by (le) (rate(req_bucket{job="a"}[5m]))) and on() absent(up)', [f('env', '=~', 'prod|stage')]);
    expect(out).toBe('histogram_quantile(0.9, sum by (le) (rate(req_bucket{job="a",env=~"prod|stage"}[5m]))) and on() absent(up{env=~"prod|stage"})');
    // Sightline's own PromQL parser finds the filter in each of the two selectors
    expect(extractSelectors(out).map((ms) => ms.filter((m) => m.name === 'env').map((m) => m.value))).toEqual([['prod|stage'], ['prod|stage']]);
  });

  it('adds matchers to every LogQL stream selector, in log and metric queries', () => {
    expect(addLogqlFilters('{job="app"} |= "error" | json | level="warn"', [f('env', '=', 'prod')])).toBe('{job="app", env="prod"} |= "error" | json | level="warn"');
    expect(addLogqlFilters('sum by (level) (count_over_time({job="app"} | logfmt [5m])) / sum(count_over_time({job="app", a=~"b"}[5m]))', [f('env', '!~', 'dev|test')])).toBe(
      'sum by (level) (count_over_time({job="app", env!~"dev|test"} | logfmt [5m])) / sum(count_over_time({job="app", a=~"b", env!~"dev|test"}[5m]))',
    );
    expect(addLogqlFilters('{job="app", env="prod"}', [f('env', '=', 'prod')])).toBe('{job="app", env="prod"}');
    expect(addLogqlFilters('{job="app"', [f('env', '=', 'prod')])).toBe('{job="app"');
  });

  it('applies the filters of the variables on the query\'s datasource only, by its language', () => {
    const adhoc = [
      { datasourceUid: 'prom', filters: [f('env', '=', 'prod')] },
      { datasourceUid: 'loki', filters: [f('app', '=', 'shop')] },
    ];
    expect(applyAdhocFilters('up', { type: 'prometheus', uid: 'prom' }, adhoc)).toBe('up{env="prod"}');
    expect(applyAdhocFilters('{job="x"}', { type: 'loki', uid: 'loki' }, adhoc)).toBe('{job="x", app="shop"}');
    expect(applyAdhocFilters('up', { type: 'prometheus', uid: 'other' }, adhoc)).toBe('up');
    expect(applyAdhocFilters('{ .a = 1 }', { type: 'tempo', uid: 'prom' }, adhoc)).toBe('{ .a = 1 }');
  });

  it('round-trips Grafana\'s URL form key|operator|value', () => {
    expect(adhocUrlValue(f('path', '=~', 'a|b'))).toBe('path|=~|a__gfp__b');
    expect(parseAdhocUrlValue('path|=~|a__gfp__b')).toEqual(f('path', '=~', 'a|b'));
    expect(parseAdhocUrlValue('x|<>|y')).toBeUndefined();
    expect(parseAdhocUrlValue('only-two|=')).toBeUndefined();
  });
});
