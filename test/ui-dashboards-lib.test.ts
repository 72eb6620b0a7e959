/** The dashboard app's pure parts: variable interpolation and formats, variable queries, grid layout, units, Markdown. */
import { describe, expect, it } from 'vitest';
import { formatUnit, reduce, thresholdColor, displayValue } from '../ui/src/dashboards/display.js';
import { globalVariables, interpolate, msToDuration, panelTimeRange, variableNames, type VariableValue } from '../ui/src/dashboards/interpolate.js';
import { gridHeightPx, layoutPanels, visiblePanels } from '../ui/src/dashboards/layout.js';
import { htmlToText, parseInline, parseMarkdown } from '../ui/src/dashboards/markdown.js';
import type { Panel } from '../ui/src/dashboards/model.js';
import { resolveDatasource } from '../ui/src/dashboards/datasource-ref.js';
import { applyVariableRegex, chooseCurrent, customOptions, parseLokiVariableQuery, parsePromVariableQuery, queryResultText, sortOptions } from '../ui/src/dashboards/variable-query.js';

const vars = (o: Record<string, VariableValue>) => new Map(Object.entries(o));
const single: VariableValue = { value: 'node-1:9100', multi: false, includeAll: false };
const multi: VariableValue = { value: ['a.b', 'c'], multi: true, includeAll: true, options: ['a.b', 'c', 'd'] };

describe('interpolation', () => {
  it('replaces $var, ${var} and [[var]], and leaves unknown variables alone', () => {
    const v = vars({ node: single, job: { value: 'node', multi: false } });
    expect(interpolate('up{instance="$node",job="${job}"} [[job]] $missing ${missing:csv}', v)).toBe('up{instance="node-1:9100",job="node"} node $missing ${missing:csv}');
    expect(variableNames('rate(x{a="$a", b=~"${b:regex}"}[[[c]]])')).toEqual(['a', 'b', 'c']);
  });
  it('formats multi-value variables for Prometheus as a regex-escaped alternation', () => {
    const v = vars({ m: multi });
    expect(interpolate('x{a=~"$m"}', v, { defaultFormat: 'prometheus' })).toBe('x{a=~"(a\\\\.b|c)"}');
    expect(interpolate('x{a=~"$m"}', vars({ m: { ...multi, value: ['a.b'] } }), { defaultFormat: 'prometheus' })).toBe('x{a=~"a\\\\.b"}');
    // a single-value variable only has backslashes and quotes escaped
    expect(interpolate("x{a='$s'}", vars({ s: { value: "it's", multi: false } }), { defaultFormat: 'prometheus' })).toBe("x{a='it\\\\'s'}");
  });
  it('expands All to every option, or uses the custom all value as written', () => {
    expect(interpolate('$m', vars({ m: { ...multi, isAll: true } }), { defaultFormat: 'prometheus' })).toBe('(a\\\\.b|c|d)');
    expect(interpolate('x{a=~"$m"}', vars({ m: { ...multi, isAll: true, allValue: '.*' } }), { defaultFormat: 'prometheus' })).toBe('x{a=~".*"}');
    expect(interpolate('${m:text}', vars({ m: { ...multi, isAll: true, allValue: '.*' } }))).toBe('All');
  });
  it('applies the named formats', () => {
    const v = vars({ m: multi, s: { value: 'a/b', multi: false } });
    expect(interpolate('${m:regex}', v)).toBe('(a\\.b|c)');
    expect(interpolate('${s:regex}', v)).toBe('a\\/b');
    expect(interpolate('${m:pipe}', v)).toBe('a.b|c');
    expect(interpolate('${m:csv}', v)).toBe('a.b,c');
    expect(interpolate('${m:json}', v)).toBe('["a.b","c"]');
    expect(interpolate('${m:doublequote}', v)).toBe('"a.b","c"');
    expect(interpolate('${m:singlequote}', v)).toBe("'a.b','c'");
    expect(interpolate('${m:queryparam}', v)).toBe('var-m=a.b&var-m=c');
    expect(interpolate('${m:percentencode}', v)).toBe('%7Ba.b%2Cc%7D');
    expect(interpolate('$m', v)).toBe('{a.b,c}');
    expect(interpolate('[[m:csv]]', v)).toBe('a.b,c');
  });
  it('gives global variables precedence and never formats them', () => {
    const g = globalVariables({ fromMs: 0, toMs: 3600_000, intervalMs: 30_000, scrapeIntervalMs: 15_000, dashboard: 'Nodes' });
    expect(g).toMatchObject({ __interval: '30s', __interval_ms: '30000', __rate_interval: '1m', __range: '3600s', __range_s: '3600', __from: '0', __to: '3600000', __dashboard: 'Nodes' });
    expect(interpolate('rate(x[$__rate_interval]) / $__interval_ms', new Map(), { scoped: g })).toBe('rate(x[1m]) / 30000');
    // $__rate_interval: one scrape interval more than $__interval when that is larger than four scrapes
    expect(globalVariables({ fromMs: 0, toMs: 1, intervalMs: 120_000, scrapeIntervalMs: 15_000 }).__rate_interval).toBe('135s');
    // a panel's relative time and time shift
    expect(panelTimeRange(0, 86_400_000, '1h')).toEqual({ fromMs: 82_800_000, toMs: 86_400_000 });
    expect(panelTimeRange(86_400_000, 172_800_000, undefined, '1d')).toEqual({ fromMs: 0, toMs: 86_400_000 });
    expect(panelTimeRange(0, 86_400_000, 'now-2h', '1h')).toEqual({ fromMs: 75_600_000, toMs: 82_800_000 });
    expect(panelTimeRange(5, 10, 'bogus')).toEqual({ fromMs: 5, toMs: 10 });
    expect([msToDuration(90_000), msToDuration(120_000), msToDuration(86_400_000), msToDuration(1500)]).toEqual(['90s', '2m', '1d', '1500ms']);
  });
});

describe('variable queries', () => {
  it('parses Prometheus variable functions', () => {
    expect(parsePromVariableQuery('label_values(node_uname_info{job="node"}, instance)')).toEqual({ kind: 'label_values', label: 'instance', match: 'node_uname_info{job="node"}' });
    expect(parsePromVariableQuery('label_values(job)')).toEqual({ kind: 'label_values', label: 'job' });
    expect(parsePromVariableQuery('label_names()')).toEqual({ kind: 'label_names' });
    expect(parsePromVariableQuery('metrics(node_.*)')).toEqual({ kind: 'metrics', regex: 'node_.*' });
    expect(parsePromVariableQuery('query_result(topk(3, up))')).toEqual({ kind: 'query_result', query: 'topk(3, up)' });
    expect(parsePromVariableQuery('up{job="x"}')).toEqual({ kind: 'series', match: 'up{job="x"}' });
  });
  it('parses Loki variable queries, as text and as Grafana saves them', () => {
    expect(parseLokiVariableQuery({ name: 'a', type: 'query', query: 'label_values({app="x"}, pod)' })).toEqual({ kind: 'label_values', label: 'pod', stream: '{app="x"}' });
    expect(parseLokiVariableQuery({ name: 'a', type: 'query', query: { type: 1, label: 'namespace', stream: '' } })).toEqual({ kind: 'label_values', label: 'namespace' });
    expect(parseLokiVariableQuery({ name: 'a', type: 'query', query: 'label_names()' })).toEqual({ kind: 'label_names' });
  });
  it('filters and extracts with the regex, and sorts as Grafana does', () => {
    const results = ['up{instance="a:9100"} 1 1000', 'up{instance="b:9100"} 1 1000', 'other 2'];
    expect(applyVariableRegex(results, '/instance="([^"]+)"/')).toEqual([{ text: 'a:9100', value: 'a:9100' }, { text: 'b:9100', value: 'b:9100' }]);
    expect(applyVariableRegex(['x-1', 'x-1', 'y'], '')).toEqual([{ text: 'x-1', value: 'x-1' }, { text: 'y', value: 'y' }]);
    expect(applyVariableRegex(['k=v'], '/(?<text>\\w)=(?<value>\\w)/')).toEqual([{ text: 'k', value: 'v' }]);
    const o = ['b10', 'a2', 'B1'].map((x) => ({ text: x, value: x }));
    expect(sortOptions(o, 1).map((x) => x.text)).toEqual(['B1', 'a2', 'b10']);
    expect(sortOptions(o, 3).map((x) => x.text)).toEqual(['B1', 'a2', 'b10']);
    expect(sortOptions(o, 4).map((x) => x.text)).toEqual(['b10', 'a2', 'B1']);
    expect(sortOptions(o, 5).map((x) => x.text)).toEqual(['a2', 'B1', 'b10']);
    expect(sortOptions(o, 6).map((x) => x.text)).toEqual(['b10', 'B1', 'a2']);
    expect(sortOptions(o, 7).map((x) => x.text)).toEqual(['a2', 'B1', 'b10']);
    expect(queryResultText({ __name__: 'up', job: 'n' }, [1700000000, '1'])).toBe('up{job="n"} 1 1700000000000');
  });
  it('reads custom lists and picks the current value: URL, then saved, then All or the first option', () => {
    expect(customOptions('a, b\\,c, prod : p')).toEqual([{ text: 'a', value: 'a' }, { text: 'b,c', value: 'b,c' }, { text: 'prod', value: 'p' }]);
    const options = customOptions('a,b,c');
    const v = { name: 'x', type: 'custom', multi: true, current: { value: ['b'] } };
    expect(chooseCurrent(v, options, ['a', 'c', 'zz'])).toEqual({ values: ['a', 'c'], isAll: false });
    expect(chooseCurrent(v, options, undefined)).toEqual({ values: ['b'], isAll: false });
    expect(chooseCurrent({ ...v, current: { value: 'gone' } }, options, undefined)).toEqual({ values: ['a'], isAll: false });
    expect(chooseCurrent({ ...v, includeAll: true, current: {} }, options, undefined)).toEqual({ values: ['$__all'], isAll: true });
    expect(chooseCurrent({ ...v, multi: false }, options, ['c', 'a'])).toEqual({ values: ['c'], isAll: false });
  });
});

describe('grid layout', () => {
  const p = (id: number, type: string, x: number, y: number, w: number, h: number, extra: Partial<Panel> = {}): Panel => ({ id, type, gridPos: { x, y, w, h }, ...extra });
  const panels: Panel[] = [
    p(1, 'row', 0, 0, 24, 1, { title: 'Top' }),
    p(2, 'stat', 0, 1, 12, 4),
    p(3, 'stat', 12, 1, 12, 4),
    p(4, 'row', 0, 5, 24, 1, { collapsed: true, panels: [p(5, 'timeseries', 0, 40, 24, 8), p(6, 'gauge', 0, 48, 6, 4)] }),
    p(7, 'row', 0, 6, 24, 1, { title: 'Last' }),
    p(8, 'table', 0, 7, 24, 6),
  ];
  it('places panels by gridPos and stacks sections under their rows', () => {
    const placed = layoutPanels(panels);
    expect(placed.map((x) => [x.key, x.pos.y, x.pos.h])).toEqual([['p1', 0, 1], ['p2', 1, 4], ['p3', 1, 4], ['p4', 5, 1], ['p7', 6, 1], ['p8', 7, 6]]);
    expect(visiblePanels(panels).map((x) => x.id)).toEqual([2, 3, 8]);
  });
  it('expands a collapsed row with the panels it carries, moving what follows down', () => {
    const placed = layoutPanels(panels, new Map([['p4', false], ['p1', true]]));
    expect(placed.map((x) => [x.key, x.pos.y])).toEqual([['p1', 0], ['p4', 1], ['p5', 2], ['p6', 10], ['p7', 14], ['p8', 15]]);
    expect(placed.find((x) => x.key === 'p5')!.row).toBe('p4');
    expect(gridHeightPx(8)).toBe(8 * 30 + 7 * 8);
  });
});

describe('values, units and thresholds', () => {
  it('formats Grafana units with decimals', () => {
    expect(formatUnit(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatUnit(1500, 'decbytes')).toBe('1.5 kB');
    expect(formatUnit(42.123, 'percent', 1)).toBe('42.1%');
    expect(formatUnit(0.25, 'percentunit')).toBe('25%');
    expect(formatUnit(0.0042, 's')).toBe('4.2 ms');
    expect(formatUnit(90061, 'dtdurations')).toBe('1 day, 1 hour');
    expect(formatUnit(2500000, 'bps')).toBe('2.5 Mbps');
    expect(formatUnit(12, 'reqps')).toBe('12 req/s');
    expect(formatUnit(3, 'suffix: items')).toBe('3 items');
    expect(formatUnit(1234567, 'short')).toBe('1.23 Mil');
    expect(formatUnit(null, 'short')).toBe('No data');
  });
  it('reduces series and colours by thresholds and mappings', () => {
    const vals = [1, null, 5, 3, null];
    expect([reduce(vals, 'lastNotNull'), reduce(vals, 'last'), reduce(vals, 'mean'), reduce(vals, 'max'), reduce(vals, 'sum'), reduce(vals, 'firstNotNull')]).toEqual([3, null, 3, 5, 9, 1]);
    const steps = [{ value: null, color: 'green' }, { value: 80, color: 'red' }];
    expect(thresholdColor(50, steps, 'absolute')).toBe('#73BF69');
    expect(thresholdColor(85, steps, 'absolute')).toBe('#F2495C');
    expect(thresholdColor(0.9, steps, 'percentage', 0, 1)).toBe('#F2495C');
    expect(displayValue(1, { mappings: [{ type: 'value', options: { '1': { text: 'UP', color: 'green' } } }] })).toEqual({ text: 'UP', color: '#73BF69' });
  });
});

describe('Markdown of text panels', () => {
  it('reads blocks and inline marks', () => {
    expect(parseMarkdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n\n```\nx < y\n```')).toEqual([
      { tag: 'h1', children: ['Title'] },
      { tag: 'p', children: ['Some ', { tag: 'strong', children: ['bold'] }, ' and ', { tag: 'code', children: ['code'] }, '.'] },
      { tag: 'ul', items: [['one'], ['two']] },
      { tag: 'pre', text: 'x < y' },
    ]);
  });
  it('keeps raw HTML as text and drops script URLs', () => {
    expect(parseMarkdown('<img src=x onerror=alert(1)>')).toEqual([{ tag: 'p', children: ['<img src=x onerror=alert(1)>'] }]);
    expect(parseInline('[click](javascript:alert(1))')[0]).toEqual({ tag: 'em', children: ['click'] });
    expect(parseInline('[docs](https://grafana.com/docs)')[0]).toEqual({ tag: 'a', href: 'https://grafana.com/docs', children: ['docs'] });
    expect(htmlToText('<p>Hi <b>there</b></p><script>alert(1)</script>')).toBe('Hi there\n');
  });
});

describe('datasource references', () => {
  const ds = (uid: string, type: string, isDefault = false) => ({ id: 0, uid, name: `${type}-${uid}`, type, typeName: type, url: '', access: 'proxy', isDefault, basicAuth: false, jsonData: {}, readOnly: false });
  const list = [ds('prom', 'prometheus', true), ds('prom2', 'prometheus'), ds('loki', 'loki')];
  it('resolves refs, names, variables and the default', () => {
    expect(resolveDatasource(null, list, new Map()).uid).toBe('prom');
    expect(resolveDatasource({ type: 'loki', uid: 'loki' }, list, new Map()).uid).toBe('loki');
    expect(resolveDatasource('prometheus-prom2', list, new Map()).uid).toBe('prom2');
    expect(resolveDatasource({ type: 'prometheus', uid: '${ds}' }, list, vars({ ds: { value: 'prom2' } })).uid).toBe('prom2');
    expect(resolveDatasource({ type: 'loki' }, list, new Map()).uid).toBe('loki');
  });
  it('falls back to the type default for an unmapped import input, and names a missing datasource', () => {
    expect(resolveDatasource({ type: 'prometheus', uid: '${DS_PROMETHEUS}' }, list, new Map()).uid).toBe('prom');
    expect(() => resolveDatasource({ type: 'prometheus', uid: 'gone' }, list, new Map())).toThrow('Datasource gone was not found');
  });
});
