import { describe, expect, it } from 'vitest';
import { spans, summarize, type SpanSpec } from './connector-test-data.js';
import { SpanMetrics, spanmetricsConnectorFactory } from './spanmetrics-connector.js';

const cfg = (o: object = {}) => spanmetricsConnectorFactory.schema.parse(o);
const DEFAULT_BOUNDS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];
const buckets = (n: number, at: Record<number, number>) => Array.from({ length: n }, (_, i) => at[i] ?? 0);
const SERVER_OK = { 'service.name': 'shipping', 'span.name': 'get', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_OK' };
const SERVER_ERR = { ...SERVER_OK, 'status.code': 'STATUS_CODE_ERROR' };

// Expected values worked out from the contrib connector's README: one `calls` sum and one `duration` histogram
// per unique set of dimensions (service.name, span.name, span.kind, status.code + configured dimensions), named
// `<namespace>.calls` / `<namespace>.duration` (default namespace `traces.span.metrics`, unit ms), one resource per
// span resource, explicit buckets upper-inclusive.
const cases: { name: string; config?: object; input: SpanSpec[]; expect: ReturnType<typeof summarize> }[] = [
  {
    name: 'defaults: calls by status code, duration in ms with the default buckets',
    input: [
      { service: 'shipping', name: 'get', status: 1, ms: 1 },
      { service: 'shipping', name: 'get', status: 1, ms: 30 },
      { service: 'shipping', name: 'get', status: 2, ms: 2 },
    ],
    expect: [
      { resource: { 'service.name': 'shipping' }, scope: 'spanmetricsconnector', name: 'traces.span.metrics.calls', unit: '', temporality: 2, points: [{ attrs: SERVER_OK, value: 2 }, { attrs: SERVER_ERR, value: 1 }] },
      {
        resource: { 'service.name': 'shipping' },
        scope: 'spanmetricsconnector',
        name: 'traces.span.metrics.duration',
        unit: 'ms',
        temporality: 2,
        points: [
          { attrs: SERVER_OK, count: 2, sum: 31, buckets: buckets(17, { 0: 1, 5: 1 }), bounds: DEFAULT_BOUNDS },
          { attrs: SERVER_ERR, count: 1, sum: 2, buckets: buckets(17, { 0: 1 }), bounds: DEFAULT_BOUNDS },
        ],
      },
    ],
  },
  {
    name: 'empty namespace, unit s, explicit buckets given as durations',
    config: { namespace: '', histogram: { unit: 's', explicit: { buckets: ['100us', '1ms', '10ms'] } } },
    input: [{ service: 'a', kind: 3, ms: 5 }],
    expect: [
      { resource: { 'service.name': 'a' }, scope: 'spanmetricsconnector', name: 'calls', unit: '', temporality: 2, points: [{ attrs: { 'service.name': 'a', 'span.name': 'op', 'span.kind': 'SPAN_KIND_CLIENT', 'status.code': 'STATUS_CODE_UNSET' }, value: 1 }] },
      {
        resource: { 'service.name': 'a' },
        scope: 'spanmetricsconnector',
        name: 'duration',
        unit: 's',
        temporality: 2,
        points: [{ attrs: { 'service.name': 'a', 'span.name': 'op', 'span.kind': 'SPAN_KIND_CLIENT', 'status.code': 'STATUS_CODE_UNSET' }, count: 1, sum: 0.005, buckets: [0, 0, 1, 0], bounds: [0.0001, 0.001, 0.01] }],
      },
    ],
  },
  {
    name: 'dimensions: span attribute before resource attribute, default when missing, omitted without default; exclude_dimensions',
    config: { dimensions: [{ name: 'http.method', default: 'GET' }, { name: 'region' }, { name: 'absent' }], exclude_dimensions: ['status.code', 'span.kind'], histogram: { disable: true } },
    input: [
      { service: 's', resource: { region: 'eu' }, status: 1, ms: 1 },
      { service: 's', resource: { region: 'eu' }, status: 2, ms: 1 },
      { service: 's', resource: { region: 'eu' }, attrs: { region: 'us', 'http.method': 'POST' }, ms: 1 },
    ],
    expect: [
      {
        resource: { 'service.name': 's', region: 'eu' },
        scope: 'spanmetricsconnector',
        name: 'traces.span.metrics.calls',
        unit: '',
        temporality: 2,
        points: [
          { attrs: { 'service.name': 's', 'span.name': 'op', 'http.method': 'GET', region: 'eu' }, value: 2 },
          { attrs: { 'service.name': 's', 'span.name': 'op', 'http.method': 'POST', region: 'us' }, value: 1 },
        ],
      },
    ],
  },
  {
    name: 'spans of a resource without service.name are not counted; each resource gets its own resource metrics',
    config: { histogram: { disable: true } },
    input: [{ ms: 1 }, { service: 'x', ms: 1 }, { service: 'y', ms: 1 }],
    expect: [
      { resource: { 'service.name': 'x' }, scope: 'spanmetricsconnector', name: 'traces.span.metrics.calls', unit: '', temporality: 2, points: [{ attrs: { 'service.name': 'x', 'span.name': 'op', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' }, value: 1 }] },
      { resource: { 'service.name': 'y' }, scope: 'spanmetricsconnector', name: 'traces.span.metrics.calls', unit: '', temporality: 2, points: [{ attrs: { 'service.name': 'y', 'span.name': 'op', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' }, value: 1 }] },
    ],
  },
  {
    name: 'events: one count per span event with the event dimensions',
    config: { histogram: { disable: true }, exclude_dimensions: ['span.kind', 'status.code'], events: { enabled: true, dimensions: [{ name: 'exception.type' }] } },
    input: [{ service: 'e', ms: 1, events: [{ 'exception.type': 'Timeout' }, { 'exception.type': 'Timeout' }, { 'exception.type': 'Refused' }] }],
    expect: [
      { resource: { 'service.name': 'e' }, scope: 'spanmetricsconnector', name: 'traces.span.metrics.calls', unit: '', temporality: 2, points: [{ attrs: { 'service.name': 'e', 'span.name': 'op' }, value: 1 }] },
      {
        resource: { 'service.name': 'e' },
        scope: 'spanmetricsconnector',
        name: 'traces.span.metrics.events',
        unit: '',
        temporality: 2,
        points: [
          { attrs: { 'service.name': 'e', 'span.name': 'op', 'exception.type': 'Timeout' }, value: 2 },
          { attrs: { 'service.name': 'e', 'span.name': 'op', 'exception.type': 'Refused' }, value: 1 },
        ],
      },
    ],
  },
];

describe('spanmetrics connector', () => {
  it.each(cases)('$name', (c) => {
    const sm = new SpanMetrics(cfg(c.config));
    sm.observe(spans(c.input));
    expect(summarize(sm.flush())).toEqual(c.expect);
  });

  it('cumulative values keep growing across flushes; delta values restart and chain their start times', () => {
    let now = 1000;
    const cum = new SpanMetrics(cfg({ histogram: { disable: true } }), () => now);
    const delta = new SpanMetrics(cfg({ histogram: { disable: true }, aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA' }), () => now);
    const input = spans([{ service: 's', ms: 1 }]);
    for (const sm of [cum, delta]) sm.observe(input);
    now = 2000;
    const c1 = cum.flush();
    const d1 = delta.flush();
    now = 3000;
    for (const sm of [cum, delta]) sm.observe(input);
    now = 4000;
    const c2 = cum.flush();
    const d2 = delta.flush();
    expect(summarize(c2)[0].points[0].value).toBe(2);
    expect(summarize(d2)[0].points[0].value).toBe(1);
    expect(summarize(d2)[0].temporality).toBe(1);
    const start = (r: typeof c1) => String(r.resourceMetrics![0].scopeMetrics![0].metrics![0].sum!.dataPoints![0].startTimeUnixNano);
    const time = (r: typeof c1) => String(r.resourceMetrics![0].scopeMetrics![0].metrics![0].sum!.dataPoints![0].timeUnixNano);
    expect(start(c2)).toBe(start(c1));
    expect(start(d2)).toBe(time(d1));
    expect(time(d1)).toBe('2000000000');
    // Nothing new since the last delta flush: nothing to send.
    expect(delta.flush().resourceMetrics).toEqual([]);
  });

  it('metrics_expiration drops a resource not seen for that long', () => {
    let now = 0;
    const sm = new SpanMetrics(cfg({ metrics_expiration: '5s' }), () => now);
    sm.observe(spans([{ service: 'old', ms: 1 }]));
    now = 3000;
    sm.observe(spans([{ service: 'new', ms: 1 }]));
    expect(summarize(sm.flush()).map((m) => m.resource['service.name'])).toEqual(['old', 'old', 'new', 'new']);
    // As in the contrib connector, expiry is checked after a flush: the flush at 6 s still sends `old`, then drops it.
    now = 6000;
    expect(summarize(sm.flush()).map((m) => m.resource['service.name'])).toEqual(['old', 'old', 'new', 'new']);
    now = 6001;
    expect(summarize(sm.flush()).map((m) => m.resource['service.name'])).toEqual(['new', 'new']);
  });

  it('exemplars carry the trace and span of the spans observed since the last flush', () => {
    const sm = new SpanMetrics(cfg({ exemplars: { enabled: true, max_per_data_point: 1 } }));
    sm.observe(spans([{ service: 's', ms: 3, trace: 7, id: 9 }, { service: 's', ms: 4, trace: 8, id: 10 }]));
    const first = sm.flush().resourceMetrics!.flatMap((rm) => rm.scopeMetrics![0].metrics!).find((m) => m.data === 'histogram')!;
    const ex = (first.histogram!.dataPoints![0] as { exemplars?: { traceId: Uint8Array; asDouble: number }[] }).exemplars!;
    expect(ex.map((e) => [Buffer.from(e.traceId).readUInt32BE(12), e.asDouble])).toEqual([[7, 3]]);
    const second = sm.flush().resourceMetrics!.flatMap((rm) => rm.scopeMetrics![0].metrics!).find((m) => m.data === 'histogram')!;
    expect((second.histogram!.dataPoints![0] as { exemplars?: unknown[] }).exemplars).toBeUndefined();
  });

  it('refuses an events section without dimensions and an unknown histogram key, with their paths', () => {
    expect(spanmetricsConnectorFactory.schema.safeParse({ events: { enabled: true } }).error?.issues[0].path).toEqual(['events', 'dimensions']);
    expect(spanmetricsConnectorFactory.schema.safeParse({ histogram: { exponential: { max_size: 10 } } }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: ['histogram'] });
  });
});
