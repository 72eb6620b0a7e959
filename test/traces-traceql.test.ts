import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';
import { T1, T2, body, id } from './helpers/three-service-trace.js';

/**
 * A three-service trace (client → frontend → backend, with error spans) and a second small trace, pushed as OTLP/JSON,
 * then a table of TraceQL queries through /api/search — once from the head, once after the head was flushed into a
 * block in the object store (where filters are pushed down to the columnar span data); evaluated on the event loop
 * and in a query worker.
 */
// query → trace ID → names of the spans in its spansets (each spanset sorted; spansets in order)
const TABLE: [string, Record<string, string[][]>][] = [
  ['{ resource.service.name = "backend" }', { [T1]: [['POST /charge', 'db.query']] }],
  ['{ status = error }', { [T1]: [['GET /checkout', 'POST /charge']] }],
  ['{ duration > 550ms }', { [T1]: [['GET /checkout', 'GET /checkout', 'call backend']] }],
  ['{ kind = server && name =~ "GET.*" }', { [T1]: [['GET /checkout']], [T2]: [['GET /health']] }],
  ['{ span.http.status_code >= 500 }', { [T1]: [['GET /checkout']] }],
  ['{ .db.system = "postgres" }', { [T1]: [['db.query']] }],
  ['{ statusMessage = "card declined" }', { [T1]: [['POST /charge']] }],
  ['{ rootName = "GET /health" }', { [T2]: [['GET /health']] }],
  ['{ rootServiceName = "client" && kind = internal }', { [T1]: [['render']] }],
  ['{ traceDuration > 800ms && kind = consumer }', {}],
  ['{ traceDuration > 800ms && name = "render" }', { [T1]: [['render']] }],
  ['{ event:name = "retry" }', { [T1]: [['call backend']] }],
  ['{ event.attempt = 1 }', { [T1]: [['call backend']] }],
  ['{ instrumentation:name = "pg-instr" }', { [T1]: [['db.query']] }],
  [`{ span:id = "${id(4)}" }`, { [T1]: [['POST /charge']] }],
  [`{ trace:id = "${T2}" }`, { [T2]: [['GET /health']] }],
  ['{ name = "GET /health" || statusMessage = "card declined" }', { [T1]: [['POST /charge']], [T2]: [['GET /health']] }],
  ['{ resource.service.name = "client" } && { resource.service.name = "backend" }', { [T1]: [['GET /checkout', 'POST /charge', 'db.query']] }],
  ['{ resource.service.name = "backend" && kind = server } || { name = "GET /health" }', { [T1]: [['POST /charge']], [T2]: [['GET /health']] }],
  ['{ resource.service.name = "frontend" } > { resource.service.name = "backend" }', { [T1]: [['POST /charge']] }],
  ['{ resource.service.name = "client" } >> { status = error }', { [T1]: [['GET /checkout', 'POST /charge']] }],
  ['{ name = "db.query" } < { }', { [T1]: [['POST /charge']] }],
  ['{ name = "db.query" } << { }', { [T1]: [['GET /checkout', 'GET /checkout', 'POST /charge', 'call backend']] }],
  ['{ name = "call backend" } ~ { }', { [T1]: [['render']] }],
  ['{ } !> { kind = server }', { [T2]: [['GET /health']] }],
  ['{ kind = client } &>> { status = error }', { [T1]: [['GET /checkout', 'GET /checkout', 'POST /charge', 'call backend']] }],
  ['{ kind = server } | count() > 1', { [T1]: [['GET /checkout', 'POST /charge']] }],
  ['{ } | avg(duration) > 400ms', { [T1]: [['GET /checkout', 'GET /checkout', 'POST /charge', 'call backend', 'db.query', 'render']] }],
  ['{ } | max(duration) >= 900ms', { [T1]: [['GET /checkout', 'GET /checkout', 'POST /charge', 'call backend', 'db.query', 'render']] }],
  ['{ status = error } | by(resource.service.name)', { [T1]: [['GET /checkout'], ['POST /charge']] }],
  ['{ status = error } | by(resource.service.name) | coalesce()', { [T1]: [['GET /checkout', 'POST /charge']] }],
  ['{ !(status = error) && kind = server }', { [T2]: [['GET /health']] }],
  ['{ span.amount = 12.5 && duration < 1s }', { [T1]: [['POST /charge']] }],
  ['{ .http.route = nil && kind = server }', { [T1]: [['POST /charge']], [T2]: [['GET /health']] }],
  ['{ span.http.status_code = 500 } | select(span.http.route)', { [T1]: [['GET /checkout']] }],
  ['{ duration * 2 > 1500ms }', { [T1]: [['GET /checkout', 'GET /checkout']] }],
  ['{ .missing = "x" }', {}],
];

let stack: TracesStack;

interface SearchBody {
  traces: { traceID: string; rootServiceName: string; rootTraceName?: string; durationMs: number; spanSets: { matched: number; spans: { spanID: string; attributes?: { key: string; value: unknown }[] }[]; attributes?: unknown[] }[] }[];
}

const NAMES: Record<string, string> = { [id(1)]: 'GET /checkout', [id(2)]: 'GET /checkout', [id(3)]: 'call backend', [id(4)]: 'POST /charge', [id(5)]: 'db.query', [id(6)]: 'render', [id(7)]: 'GET /health' };

async function search(q: string): Promise<SearchBody> {
  const r = await fetch(`${stack.tempo}/api/search?spss=100&q=${encodeURIComponent(q)}`);
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as SearchBody;
}

async function runTable(): Promise<void> {
  for (const [q, expected] of TABLE) {
    const res = await search(q);
    const got: Record<string, string[][]> = {};
    for (const t of res.traces) got[t.traceID] = t.spanSets.map((ss) => ss.spans.map((s) => NAMES[s.spanID]).sort());
    expect(got, q).toEqual(expected);
  }
}

// Once evaluated on the event loop (`traces.query.workers: 0`), once in a TraceQL query worker: the same answers.
describe.each([0, 1])('TraceQL over a three-service trace (query workers: %i)', (workers) => {
  beforeAll(async () => {
    stack = await startTracesStack({ config: { traces: { query: { workers } } } });
    const r = await fetch(`${stack.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers the table from the head', async () => {
    await runTable();
  });

  it('returns trace metadata, by() attributes and selected attributes', async () => {
    const res = await search('{ status = error } | by(resource.service.name)');
    const t = res.traces[0];
    expect(t).toMatchObject({ traceID: T1, rootServiceName: 'client', rootTraceName: 'GET /checkout', durationMs: 900 });
    expect(t.spanSets.map((s) => s.attributes)).toEqual([
      [{ key: 'by(resource.service.name)', value: { stringValue: 'frontend' } }],
      [{ key: 'by(resource.service.name)', value: { stringValue: 'backend' } }],
    ]);
    const sel = await search('{ span.http.status_code = 500 } | select(span.http.route)');
    expect(sel.traces[0].spanSets[0].spans[0].attributes).toEqual([
      { key: 'http.status_code', value: { intValue: '500' } },
      { key: 'http.route', value: { stringValue: '/checkout' } },
    ]);
  });

  it('answers the same table from a block in the object store', async () => {
    expect((await fetch(`${stack.tempo}/flush`, { method: 'POST' })).status).toBe(204);
    await runTable();
  });

  it('applies tags, minDuration, maxDuration and limit', async () => {
    const byTags = await search('');
    expect(byTags.traces.length).toBe(2);
    const r = (await (await fetch(`${stack.tempo}/api/search?tags=${encodeURIComponent('http.status_code=500 service.name=frontend')}`)).json()) as SearchBody;
    expect(r.traces.map((t) => t.traceID)).toEqual([T1]);
    const long = (await (await fetch(`${stack.tempo}/api/search?minDuration=100ms`)).json()) as SearchBody;
    expect(long.traces.map((t) => t.traceID)).toEqual([T1]);
    const short = (await (await fetch(`${stack.tempo}/api/search?maxDuration=100ms`)).json()) as SearchBody;
    expect(short.traces.map((t) => t.traceID)).toEqual([T2]);
    const one = (await (await fetch(`${stack.tempo}/api/search?limit=1`)).json()) as SearchBody;
    expect(one.traces.length).toBe(1);
    const window = (await (await fetch(`${stack.tempo}/api/search?start=1700000004&end=1700000010`)).json()) as SearchBody;
    expect(window.traces.map((t) => t.traceID)).toEqual([T2]);
  });

  it('lists tag values among the spans a TraceQL filter matches (evaluated where searches are)', async () => {
    const values = async (tag: string, q: string) => {
      const r = await fetch(`${stack.tempo}/api/v2/search/tag/${tag}/values?q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
      return ((await r.json()) as { tagValues: { type: string; value: string }[] }).tagValues;
    };
    expect(await values('name', '{ resource.service.name = "backend" }')).toEqual([
      { type: 'string', value: 'POST /charge' },
      { type: 'string', value: 'db.query' },
    ]);
    expect(await values('span.http.status_code', '{ kind = server && name = "GET /checkout" }')).toEqual([{ type: 'int', value: '500' }]);
    expect(await values('name', '{ resource.service.name = "nobody" }')).toEqual([]);
  });

  it("refuses more spans per span set than max_spans_per_span_set with Tempo's message", async () => {
    const r = await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent('{ }')}&spss=101`);
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('spans per span set exceeds 100. received 101\n');
    expect((await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent('{ }')}&spss=100`)).status).toBe(200);
  });

  it('computes TraceQL metrics over time', async () => {
    const range = (q: string, step = '10s') => fetch(`${stack.tempo}/api/metrics/query_range?q=${encodeURIComponent(q)}&start=1700000000&end=1700000010&step=${step}`).then((r) => r.json());
    const counts = (await range('{ } | count_over_time() by (resource.service.name)')) as { series: { labels: { key: string; value: { stringValue: string } }[]; samples: { timestampMs: string; value: number }[] }[] };
    expect(Object.fromEntries(counts.series.map((s) => [s.labels[0].value.stringValue, s.samples.map((x) => x.value)]))).toEqual({ backend: [2], client: [1], frontend: [4] });
    expect(counts.series[0].samples[0].timestampMs).toBe('1700000000000');
    const rate = (await range('{ status = error } | rate()')) as { series: { samples: { value: number }[] }[] };
    expect(rate.series[0].samples[0].value).toBeCloseTo(0.2);
    const p50 = (await range('{ resource.service.name = "backend" } | quantile_over_time(duration, .5)')) as { series: { labels: { key: string }[]; samples: { value: number }[] }[] };
    expect(p50.series[0].labels[0].key).toBe('p');
    expect(p50.series[0].samples[0].value).toBeCloseTo(0.3);
    const perSecond = (await range('{ kind = server } | count_over_time()', '1s')) as { series: { samples: { timestampMs: string; value: number }[] }[] };
    expect(perSecond.series[0].samples).toEqual([
      { timestampMs: '1700000000000', value: 2 },
      { timestampMs: '1700000005000', value: 1 },
    ]);
    const instant = (await (await fetch(`${stack.tempo}/api/metrics/query?q=${encodeURIComponent('{ } | count_over_time()')}&start=1700000000&end=1700000010`)).json()) as { series: { value: number }[] };
    expect(instant.series[0].value).toBe(7);
    expect((await fetch(`${stack.tempo}/api/metrics/query_range?q=${encodeURIComponent('{ }')}`)).status).toBe(400);
    // Found while evaluating (in the worker, with query workers): still a 400 with the engine's message.
    const fine = await fetch(`${stack.tempo}/api/metrics/query_range?q=${encodeURIComponent('{ } | rate()')}&start=1700000000&end=1700003600&step=100ms`);
    expect(fine.status).toBe(400);
    expect(await fine.text()).toMatch(/exceeded maximum resolution of 11,000 points/);
  });

  it('refuses unparsable TraceQL with 400 and keeps serving', async () => {
    for (const q of ['{ .a = }', '{ status = }', 'nonsense', '{ .a = 1 } | rate()']) {
      const r = await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(400);
      expect(await r.text()).toMatch(/invalid TraceQL query|metrics/);
    }
    // A regex RE2 refuses (a backreference) is found while evaluating — in the worker with query workers: still 400.
    const backref = await fetch(`${stack.tempo}/api/search?q=${encodeURIComponent('{ name =~ "(a)\\\\1" }')}`);
    expect(backref.status).toBe(400);
    expect(await backref.text()).toMatch(/invalid TraceQL query: error parsing regexp: invalid escape sequence/);
    expect((await fetch(`${stack.tempo}/api/search?minDuration=abc`)).status).toBe(400);
    expect((await fetch(`${stack.tempo}/api/search?start=10&end=5`)).status).toBe(400);
    expect((await search('{ }')).traces.length).toBe(2);
  });
});
