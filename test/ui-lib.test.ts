/** The web app's pure helpers: Grafana's time notation, step choice, legend formatting and value units. */
import { readFileSync } from 'node:fs';
import { DEFAULT_METRICS_QUERY, metricsQueriesForSpan, spanTagMatchers } from '../ui/src/lib/traces-to-metrics.js';
import { describe, expect, it } from 'vitest';
import { defaultSeriesName, formatLegend, seriesName } from '../ui/src/lib/legend.js';
import { autoStepMs, describeRange, formatAgo, parsePromDuration, parseTime, resolveRange } from '../ui/src/lib/time.js';
import { findRoute, matchPath } from '../ui/src/shell/match.js';
import { NAV, navTrail, visibleNav, type NavItem } from '../ui/src/shell/nav.js';
import { compareNs, contextQueries, derivedLinks, detectLevel, detectedFields, flattenStreams, streamSelector } from '../ui/src/lib/logs.js';
import { buildSelector } from '../ui/src/lib/selector.js';
import { rowWindow } from '../ui/src/lib/row-window.js';
import { countAxisTicks, logVolumeQuery, volumeByLevel, volumeTotal } from '../ui/src/lib/log-volume.js';
import { lineFilterTerms, splitMatches } from '../ui/src/lib/line-filter.js';
import { formatValue } from '../ui/src/lib/units.js';
import { IDENTITY_VIEW, formatRate, layoutServiceGraph, panBy, serviceGraphEdges, serviceGraphQueries, zoomAt } from '../ui/src/lib/service-graph.js';
import { axisTicks, formatMs, labelPlacement, traceRows, visibleRows } from '../ui/src/lib/trace.js';
import { traceqlTagNames, traceqlValueLiteral } from '../ui/src/lib/traceql.js';

const NOW = Date.UTC(2026, 10, 24, 15, 37, 42, 123);

describe('time notation', () => {
  it('parses now-relative expressions', () => {
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('now-1h', NOW)).toBe(NOW - 3600_000);
    expect(parseTime('now-90s', NOW)).toBe(NOW - 90_000);
    expect(parseTime('now-1d+2h', NOW)).toBe(NOW - 86400_000 + 7200_000);
    expect(parseTime('now-2w', NOW)).toBe(NOW - 14 * 86400_000);
  });
  it('rounds with /unit: start of the unit for "from", end of it for "to"', () => {
    const startOfHour = new Date(NOW);
    startOfHour.setMinutes(0, 0, 0);
    expect(parseTime('now/h', NOW)).toBe(startOfHour.getTime());
    expect(parseTime('now/h', NOW, true)).toBe(startOfHour.getTime() + 3600_000 - 1);
    const d = new Date(NOW);
    d.setHours(0, 0, 0, 0);
    d.setDate(d.getDate() - 1);
    expect(parseTime('now-1d/d', NOW)).toBe(d.getTime());
  });
  it('parses absolute times and epoch milliseconds', () => {
    expect(parseTime('2026-11-24T10:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 24, 10));
    expect(parseTime('1700000000000', NOW)).toBe(1700000000000);
    expect(parseTime('2026-11-24 10:00:00', NOW)).toBe(new Date(2026, 10, 24, 10).getTime());
  });
  it('refuses nonsense with a message', () => {
    expect(() => parseTime('now-1x', NOW)).toThrow(/invalid relative time/);
    expect(() => parseTime('yesterday', NOW)).toThrow(/invalid time/);
    expect(() => resolveRange({ from: 'now', to: 'now-1h' }, NOW)).toThrow(/before/);
  });
  it('picks a nice step of about one point per pixel, never below the minimum nor over 11000 points', () => {
    expect(autoStepMs(3600_000, 1000)).toBe(5000);
    expect(autoStepMs(3600_000, 1000, 30_000)).toBe(30_000);
    expect(autoStepMs(300_000, 2000)).toBe(1000);
    expect(3600_000 * 24 * 30 / autoStepMs(3600_000 * 24 * 30, 1e9)).toBeLessThanOrEqual(11000);
    expect(parsePromDuration('1m30s')).toBe(90_000);
    expect(parsePromDuration('15')).toBeUndefined();
  });
});

describe('legend', () => {
  const labels = { __name__: 'http_requests_total', job: 'api', code: '200' };
  it('formats {{label}} like Grafana, missing labels empty', () => {
    expect(formatLegend('{{job}} {{ code }}', labels)).toBe('api 200');
    expect(formatLegend('{{job}}-{{nope}}', labels)).toBe('api-');
  });
  it('names series by metric and sorted labels by default', () => {
    expect(defaultSeriesName(labels)).toBe('http_requests_total{code="200", job="api"}');
    expect(defaultSeriesName({ __name__: 'up' })).toBe('up');
    expect(defaultSeriesName({})).toBe('{}');
    expect(seriesName(labels, '')).toBe(defaultSeriesName(labels));
  });
});

describe('units', () => {
  it('formats values per unit', () => {
    expect(formatValue(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatValue(0.25, 'percentunit')).toBe('25%');
    expect(formatValue(0.0042, 'seconds')).toBe('4.2 ms');
    expect(formatValue(0.0000123, 'short')).toBe('0.0000123');
    expect(formatValue(12345, 'short')).toBe('12.35 K');
    expect(formatValue(null, 'short')).toBe('–');
  });
});

describe('metrics browser selector', () => {
  it('builds = for one value and an escaped =~ alternation for several', () => {
    expect(buildSelector('up', {})).toBe('up');
    expect(buildSelector('up', { job: ['api'], instance: [] })).toBe('up{job="api"}');
    expect(buildSelector('http_requests_total', { path: ['/a.b', '/c"d'], code: ['200'] })).toBe('http_requests_total{code="200", path=~"/a\\\\.b|/c\\"d"}');
  });
});

describe('log rows', () => {
  it('finds levels from labels, key/value pairs, JSON and bare words', () => {
    expect(detectLevel('anything', { level: 'WARN' })).toBe('warning');
    expect(detectLevel('ts=1 level=error msg="boom"', {})).toBe('error');
    expect(detectLevel('{"level":"debug","msg":"x"}', {})).toBe('debug');
    expect(detectLevel('2024-01-01 FATAL disk full', {})).toBe('critical');
    expect(detectLevel('nothing to see', {})).toBe('unknown');
  });
  it('merges streams newest first or oldest first by nanosecond time', () => {
    const streams = [
      { stream: { app: 'a' }, values: [['1700000000000000300', 'a3'], ['1700000000000000100', 'a1']] as [string, string][] },
      { stream: { app: 'b' }, values: [['1700000000000000200', 'b2'], ['999999999999999999', 'old']] as [string, string][] },
    ];
    expect(flattenStreams(streams, 'backward').map((r) => r.line)).toEqual(['a3', 'b2', 'a1', 'old']);
    expect(flattenStreams(streams, 'forward').map((r) => r.line)).toEqual(['old', 'a1', 'b2', 'a3']);
    expect(flattenStreams(streams, 'forward')[1]).toMatchObject({ labels: { app: 'a' }, timeMs: 1700000000000 });
    expect(compareNs('999', '1000')).toBeLessThan(0);
  });
  it('detects JSON and logfmt fields', () => {
    expect(detectedFields('{"trace_id":"abc","status":200,"nested":{"x":1}}')).toEqual({ trace_id: 'abc', status: '200' });
    expect(detectedFields('level=info msg="hello \\"you\\"" dur=5ms')).toEqual({ level: 'info', msg: 'hello "you"', dur: '5ms' });
  });
  it("turns the seed's derived field into an internal trace link", () => {
    const seed = [{ datasourceUid: 'tempo', matcherRegex: '"trace_id":"(\\w+)"', name: 'TraceID', url: '${__value.raw}' }];
    expect(derivedLinks('{"msg":"x","trace_id":"4bf92f3577b34da6"}', seed)).toEqual([{ name: 'TraceID', value: '4bf92f3577b34da6', datasourceUid: 'tempo', label: 'TraceID: 4bf92f3577b34da6' }]);
    expect(derivedLinks('no trace here', seed)).toEqual([]);
    expect(derivedLinks('id=77', [{ name: 'Ext', matcherRegex: 'id=(\\d+)', url: 'https://example.com/x/${__value.raw}' }])[0].href).toBe('https://example.com/x/77');
  });
});

describe('trace rows (Tempo OTLP-JSON → waterfall)', () => {
  const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const span = (spanId: string, parentSpanId: string | undefined, name: string, startNs: bigint, endNs: bigint, extra: Record<string, unknown> = {}) => ({
    traceId: 't1',
    spanId,
    parentSpanId,
    name,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(endNs),
    ...extra,
  });
  const t0 = 1_700_000_000_000_000_000n;
  const trace = {
    batches: [
      { resource: { attributes: [attr('service.name', 'bank')] }, scopeSpans: [{ spans: [span('c', 'b', 'authorize', t0 + 3_000_000n, t0 + 5_500_000n, { kind: 2, status: { code: 2, message: 'no funds' }, events: [{ timeUnixNano: String(t0 + 4_000_000n), name: 'check', attributes: [attr('k', 'v')] }] })] }] },
      { resource: { attributes: [attr('service.name', 'shop'), attr('k8s.pod.name', 'p1')] }, scopeSpans: [{ spans: [span('b', 'a', 'charge', t0 + 1_000_000n, t0 + 6_000_000n), span('a', undefined, 'POST /pay', t0, t0 + 10_000_000n, { kind: 'SPAN_KIND_SERVER' }), span('d', 'a', 'render', t0 + 7_000_000n, t0 + 8_000_000n), span('x', 'missing', 'orphan', t0 + 9_000_000n, t0 + 9_500_000n)] }] },
    ],
  };

  it('orders spans as a tree by start time, with depth, service, kind, errors, events and tags', () => {
    const rows = traceRows(trace);
    expect(rows.map((r) => [r.name, r.depth, r.service, r.hasChildren])).toEqual([
      ['POST /pay', 0, 'shop', true],
      ['charge', 1, 'shop', true],
      ['authorize', 2, 'bank', false],
      ['render', 1, 'shop', false],
      ['orphan', 0, 'shop', false],
    ]);
    const auth = rows[2];
    expect([auth.kind, auth.error, auth.statusMessage, auth.durMs]).toEqual(['server', true, 'no funds', 2.5]);
    expect(auth.events).toEqual([{ name: 'check', offsetMs: 1, attributes: [['k', 'v']] }]);
    expect(rows[0].kind).toBe('server');
    expect(rows[1].tags['k8s.pod.name']).toBe('p1');
    expect(rows[0].startMs).toBe(Number(t0 / 1_000_000n));
  });

  it('hides the descendants of collapsed spans', () => {
    const rows = traceRows(trace);
    expect(visibleRows(rows, new Set(['b'])).map((r) => r.name)).toEqual(['POST /pay', 'charge', 'render', 'orphan']);
    expect(visibleRows(rows, new Set(['a'])).map((r) => r.name)).toEqual(['POST /pay', 'orphan']);
    expect(visibleRows(rows, new Set()).length).toBe(5);
  });

  it('puts round ticks on the time axis and formats durations', () => {
    expect(axisTicks(159)).toEqual([0, 50, 100, 150]);
    // count axes (log volume): whole numbers from 0 up to at least the maximum, never 2.5
    expect(countAxisTicks(0)).toEqual([0, 1]);
    expect(countAxisTicks(3)).toEqual([0, 1, 2, 3]);
    expect(countAxisTicks(4.4)).toEqual([0, 2, 4, 6]);
    expect(countAxisTicks(5)).toEqual([0, 2, 4, 6]);
    expect(countAxisTicks(9)).toEqual([0, 5, 10]);
    expect(countAxisTicks(87)).toEqual([0, 25, 50, 75, 100]);
    expect(countAxisTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(axisTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect([formatMs(0.25), formatMs(27.97), formatMs(159), formatMs(2500)]).toEqual(['250 µs', '27.97 ms', '159 ms', '2.50 s']);
  });
});

describe('service graph from traces_service_graph_* series', () => {
  const v = (client: string, server: string, value: string) => ({ metric: { client, server }, value: [0, value] as [number, string] });
  it('builds edges with failures and mean latency, and lays callers left of callees', () => {
    const edges = serviceGraphEdges([v('user', 'shop', '4'), v('shop', 'bank', '2'), v('shop', 'db', '0')], [v('shop', 'bank', '1')], [v('shop', 'bank', '0.5')]);
    expect(edges).toEqual([
      { client: 'shop', server: 'bank', requests: 2, failed: 1, avgMs: 250 },
      { client: 'user', server: 'shop', requests: 4, failed: 0, avgMs: undefined },
    ]);
    // two rates extrapolated apart can put failures above requests: never more than all of them
    expect(serviceGraphEdges([v('shop', 'bank', '0.0066')], [v('shop', 'bank', '0.00662')], [])[0]!.failed).toBe(0.0066);
    const nodes = layoutServiceGraph(edges, 100, 10);
    expect(nodes.map((n) => [n.name, n.x, n.requests, n.failed])).toEqual([
      ['bank', 290, 2, 1],
      ['shop', 190, 4, 0],
      ['user', 90, 0, 0],
    ]);
    expect(nodes[0].avgMs).toBe(250);
  });
});

describe('log context queries', () => {
  it('selects the exact stream and asks for the lines before (backward, up to the line) and after (forward)', () => {
    const sel = streamSelector({ app: 'shop', msg: 'say "hi"\\' });
    expect(sel).toBe('{app="shop", msg="say \\"hi\\"\\\\"}');
    const q = contextQueries('{app="shop"}', '1700000000000000005', 10, 1000);
    expect(q.before).toEqual({ query: '{app="shop"}', direction: 'backward', limit: '10', start: '1699999999000000005', end: '1700000000000000006' });
    expect(q.after).toEqual({ query: '{app="shop"}', direction: 'forward', limit: '10', start: '1700000000000000006', end: '1700000001000000005' });
  });
});

describe('TraceQL completion text', () => {
  it('names v2 tags by scope (intrinsics bare) and quotes only string values', () => {
    expect(traceqlTagNames({ scopes: [{ name: 'span', tags: ['http.method'] }, { name: 'resource', tags: ['service.name'] }, { name: 'intrinsic', tags: ['duration', 'status'] }] })).toEqual(['span.http.method', 'resource.service.name', 'duration', 'status']);
    expect(traceqlTagNames({})).toEqual([]);
    expect([{ type: 'string', value: 'say "hi"' }, { type: 'keyword', value: 'error' }, { type: 'int', value: '42' }, { type: 'duration', value: '10ms' }].map(traceqlValueLiteral)).toEqual(['"say \\"hi\\""', 'error', '42', '10ms']);
  });
});

describe('service graph rates', () => {
  it('asks for rates over the whole range and formats them', () => {
    expect(serviceGraphQueries(900)).toEqual([
      'sum by (client, server) (rate(traces_service_graph_request_total[900s]))',
      'sum by (client, server) (rate(traces_service_graph_request_failed_total[900s]))',
      'sum by (client, server) (rate(traces_service_graph_request_server_seconds_sum[900s]))',
    ]);
    expect(serviceGraphQueries(0)[0]).toContain('[1s]');
    expect([0, 0.0022222, 1.23456, 12.345, 1234.5].map(formatRate)).toEqual(['0', '0.00222', '1.23', '12.3', '1235']);
  });
});

describe('app shell: routes and navigation', () => {
  it('matches literal and :param segments, decoding parameters', () => {
    expect(matchPath('/datasources/edit/:uid', '/datasources/edit/my%20ds')).toEqual({ uid: 'my ds' });
    expect(matchPath('/datasources/edit/:uid', '/datasources/edit')).toBeUndefined();
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/explore', '/explore/')).toEqual({});
    expect(matchPath('/a/:b', '/a/%E0%A4%A')).toBeUndefined();
  });
  it('every route names a nav entry that exists, and every nav entry has a route', () => {
    // The route table is read as text (importing it would load every page component).
    const table = readFileSync(new URL('../ui/src/shell/routes.tsx', import.meta.url), 'utf8');
    const routes = [...table.matchAll(/\{ path: '([^']+)', nav: '([^']+)'/g)].map((m) => ({ path: m[1], nav: m[2] }));
    expect(routes.length).toBeGreaterThan(20);
    const flat = (items: NavItem[]): NavItem[] => items.flatMap((i) => [i, ...flat(i.children ?? [])]);
    const ids = new Set(flat(NAV).map((i) => i.id));
    for (const item of flat(NAV)) expect(routes.map((r) => r.path)).toContain(item.path);
    for (const r of routes) expect(ids, r.path).toContain(r.nav);
    expect(findRoute([{ path: '/a' }, { path: '/b/:x' }], '/b/1')).toEqual({ route: { path: '/b/:x' }, params: { x: '1' } });
  });
  it('gives the breadcrumb trail of an entry and hides Admin-only entries from others', () => {
    expect(navTrail('prometheus-targets').map((n) => n.title)).toEqual(['Prometheus', 'Targets']);
    expect(navTrail('datasources').map((n) => n.title)).toEqual(['Connections', 'Data sources']);
    expect(navTrail('nope')).toEqual([]);
    expect(visibleNav(false).map((n) => n.id)).not.toContain('admin');
    expect(visibleNav(true).find((n) => n.id === 'admin')?.children?.map((c) => c.id)).toEqual(['users', 'serviceaccounts', 'tokens', 'audit']);
  });
});

describe('time range labels', () => {
  it('shows absolute ends as local date-times, never raw epoch milliseconds', () => {
    const from = new Date(2026, 10, 24, 15, 36, 0).getTime();
    const to = new Date(2026, 10, 24, 15, 38, 30, 250).getTime();
    expect(describeRange({ from: String(from), to: String(to) })).toBe('2026-11-24 15:36 to 15:38:30.250');
    expect(describeRange({ from: 'now-5m', to: 'now' })).toBe('Last 5 minutes');
    expect(describeRange({ from: 'now-2h', to: 'now-1h' })).toBe('now-2h to now-1h');
    expect(formatAgo(NOW - 5000, NOW)).toBe('5s ago');
    expect(formatAgo(NOW - 7200_000, NOW)).toBe('2h ago');
  });
});

describe('log volume and line-filter highlighting', () => {
  it('counts the whole query by level and merges level spellings, most severe first', () => {
    expect(logVolumeQuery('{app="shop"} |= "error" ', 60)).toBe('sum by (level) (count_over_time({app="shop"} |= "error" [60s]))');
    const xs = new Float64Array([0, 60]);
    const g = volumeByLevel({ xs, series: [
      { name: '', labels: { level: 'info' }, values: [1, null] },
      { name: '', labels: { level: 'warn' }, values: [null, 2] },
      { name: '', labels: { level: 'warning' }, values: [1, 1] },
      { name: '', labels: {}, values: [0, 4] },
      { name: '', labels: { level: 'ERROR' }, values: [3, 0] },
    ] });
    expect(g.series.map((s) => [s.name, s.values, s.color])).toEqual([
      ['error', [3, 0], '#e24d42'],
      ['warning', [1, 3], '#eab308'],
      ['info', [1, null], '#22c55e'],
      ['unknown', [0, 4], '#8e8e8e'],
    ]);
    expect(volumeTotal(g)).toBe(12);
  });
  it('finds |= terms (quoted or raw) and marks them in a line', () => {
    expect(lineFilterTerms('{a="b"} |= "trace \\"x\\"" != "no" |= `raw` |~ "re.*"')).toEqual(['trace "x"', 'raw']);
    expect(splitMatches('an error, another error', ['error'])).toEqual([
      { text: 'an ', match: false },
      { text: 'error', match: true },
      { text: ', another ', match: false },
      { text: 'error', match: true },
    ]);
    expect(splitMatches('none', ['x'])).toEqual([{ text: 'none', match: false }]);
  });
  it('places a duration label beside its bar, or inside a bar that fills the row', () => {
    expect(labelPlacement(0.1, 0.3)).toBe('right');
    expect(labelPlacement(0.5, 0.95)).toBe('left');
    expect(labelPlacement(0, 1)).toBe('inside');
  });
});

describe('service graph zoom and pan', () => {
  it('zooms about the pointer (the point under it stays put), within 0.25x..4x, and pans by the drag', () => {
    const v = zoomAt(IDENTITY_VIEW, 2, 100, 50);
    expect(v).toEqual({ k: 2, x: -100, y: -50 });
    // graph point (100, 50) is still at screen (100, 50)
    expect(100 * v.k + v.x).toBe(100);
    expect(50 * v.k + v.y).toBe(50);
    expect(zoomAt(v, 10, 0, 0).k).toBe(4);
    expect(zoomAt(IDENTITY_VIEW, 0.01, 0, 0).k).toBe(0.25);
    expect(panBy(v, 30, -10)).toEqual({ k: 2, x: -70, y: -60 });
  });
});

describe('traces to metrics', () => {
  it('fills $__tags with the span tags configured (mapped names, OpenTelemetry names for service/namespace/pod)', () => {
    const tags = { 'service.name': 'shop', 'http.method': 'POST', 'k8s.namespace.name': 'default', q: 'a"b' };
    const cfg = { datasourceUid: 'prometheus', tags: [{ key: 'service' }, { key: 'http.method', value: 'method' }, 'namespace', 'q', 'absent'], queries: [{ name: 'Rate', query: 'sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))' }, { name: '', query: 'up{$__tags}' }, { name: 'empty', query: ' ' }] };
    expect(spanTagMatchers(cfg, tags)).toBe('service="shop", method="POST", namespace="default", q="a\\"b"');
    expect(metricsQueriesForSpan(cfg, tags)).toEqual([
      { name: 'Rate', expr: 'sum(rate(traces_spanmetrics_calls_total{service="shop", method="POST", namespace="default", q="a\\"b"}[5m]))' },
      { name: 'Query 2', expr: 'up{service="shop", method="POST", namespace="default", q="a\\"b"}' },
    ]);
    // no queries: Grafana's default latency query; no tags: an empty selector
    expect(metricsQueriesForSpan({ datasourceUid: 'prometheus' }, tags)).toEqual([{ name: 'Request latency', expr: DEFAULT_METRICS_QUERY.replace('$__tags', '') }]);
  });
});


describe('row windowing (the trace waterfall)', () => {
  it('draws the rows in the visible band plus overscan, spacers standing for the rest', () => {
    // 5,000 rows of 27 px, the band 1,000..1,900 px: rows 37..70 visible, 10 more each side
    expect(rowWindow(5000, 27, 1000, 1900, 10)).toEqual({ first: 27, last: 81, before: 27 * 27, after: (5000 - 81) * 27 });
    // the band above the list (the list further down the page): the first rows only; below it: none
    expect(rowWindow(5000, 27, -2000, -1100, 10)).toEqual({ first: 0, last: 0, before: 0, after: 5000 * 27 });
    expect(rowWindow(5000, 27, -500, 400, 5)).toEqual({ first: 0, last: 20, before: 0, after: 4980 * 27 });
    expect(rowWindow(50, 27, 5000, 6000, 5)).toEqual({ first: 50, last: 50, before: 50 * 27, after: 0 });
    expect(rowWindow(50, 27, 1300, 2200, 5)).toEqual({ first: 43, last: 50, before: 43 * 27, after: 0 });
    expect(rowWindow(0, 27, 0, 900, 5)).toEqual({ first: 0, last: 0, before: 0, after: 0 });
  });

  it('counts an open row\'s extra height: rows after it start lower', () => {
    // row 2 has 50 px of details under it: it spans 20..80, row 3 starts at 80
    expect(rowWindow(100, 10, 50, 55, 0, { index: 2, height: 50 })).toMatchObject({ first: 2, last: 3, before: 20 });
    expect(rowWindow(100, 10, 80, 95, 0, { index: 2, height: 50 })).toEqual({ first: 3, last: 5, before: 80, after: 95 * 10 });
    // the open row above the band: the spacer above includes its details
    expect(rowWindow(100, 10, 500, 520, 0, { index: 2, height: 50 })).toEqual({ first: 45, last: 48, before: 500, after: 52 * 10 });
  });
});
