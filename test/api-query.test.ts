import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerPrometheusApi, type PrometheusApiDeps } from '../src/metrics/api/index.js';
import { Labels, MemoryStorage, STALE_NAN } from '../src/metrics/index.js';
import { PromqlError, type PromqlEngine, type QueryOptions, type QueryResult } from '../src/metrics/promql/types.js';

/**
 * TEST DOUBLE of the PromQL engine, for testing the HTTP layer alone (parameter parsing, error mapping, result
 * formatting): it records each call and answers with whatever the test scripted. The real engine is tested
 * end to end elsewhere.
 */
class ScriptedEngineDouble implements PromqlEngine {
  calls: { kind: 'instant' | 'range'; expr: string; time?: number; start?: number; end?: number; step?: number; opts?: QueryOptions }[] = [];
  answer: (expr: string, opts?: QueryOptions) => Promise<QueryResult> = async () => ({ value: { type: 'vector', samples: [] }, warnings: [], infos: [] });

  async instantQuery(expr: string, time: number, opts?: QueryOptions): Promise<QueryResult> {
    this.calls.push({ kind: 'instant', expr, time, opts });
    return this.answer(expr, opts);
  }

  async rangeQuery(expr: string, start: number, end: number, step: number, opts?: QueryOptions): Promise<QueryResult> {
    this.calls.push({ kind: 'range', expr, start, end, step, opts });
    return this.answer(expr, opts);
  }
}

const engine = new ScriptedEngineDouble();
const NOW = 1_700_000_000_123;
let app: FastifyInstance;
let base: string;

function deps(): PrometheusApiDeps {
  return {
    queryable: new MemoryStorage(),
    engine,
    formatQuery: (e) => {
      if (e.includes('(') && !e.includes(')')) throw new PromqlError('bad_data', '1:5: parse error: unclosed left parenthesis');
      return e.replace(/\s+/g, ' ').trim();
    },
    configYaml: () => '',
    flags: () => ({}),
    buildInfo: { version: '0', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
  };
}

beforeAll(async () => {
  app = Fastify({ forceCloseConnections: true });
  registerPrometheusApi(app, deps(), { now: () => NOW, maxConcurrentQueries: 1, queryTimeoutMs: 2000 });
  registerPrometheusApi(app, deps(), { prefix: '/prometheus/api/v1', now: () => NOW });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app.close();
});

beforeEach(() => {
  engine.calls = [];
  engine.answer = async () => ({ value: { type: 'vector', samples: [] }, warnings: [], infos: [] });
});

async function get(path: string): Promise<{ status: number; body: string; json: () => unknown }> {
  const res = await fetch(base + path);
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) };
}

async function post(path: string, form: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
  return { status: res.status, body: await res.text() };
}

const err = (type: string, error: string) => JSON.stringify({ status: 'error', errorType: type, error });

describe('query parameters', () => {
  it('passes the expression and time, defaulting time to now', async () => {
    const r = await get('/api/v1/query?query=up');
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"status":"success","data":{"resultType":"vector","result":[]}}');
    expect(engine.calls[0]).toMatchObject({ kind: 'instant', expr: 'up', time: NOW });
    await get('/api/v1/query?query=up&time=1435781451.781');
    expect(engine.calls[1].time).toBe(1435781451781);
    await get('/api/v1/query?query=up&time=2015-07-01T20:10:51.781Z');
    expect(engine.calls[2].time).toBe(1435781451781);
  });

  it('accepts POST forms, body before URL', async () => {
    const r = await post('/api/v1/query?time=5', { query: 'sum(rate(x[5m]))', time: '10' });
    expect(r.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({ expr: 'sum(rate(x[5m]))', time: 10_000 });
    const rr = await post('/api/v1/query_range', { query: 'up', start: '0', end: '60', step: '15s' });
    expect(rr.status).toBe(200);
    expect(engine.calls[1]).toMatchObject({ kind: 'range', start: 0, end: 60_000, step: 15_000 });
  });

  it('passes lookback_delta and the timeout to the engine', async () => {
    await get('/api/v1/query?query=up&lookback_delta=1m&timeout=1.5');
    expect(engine.calls[0].opts?.lookbackDelta).toBe(60_000);
    expect(engine.calls[0].opts?.timeoutMs).toBeGreaterThan(1000);
    expect(engine.calls[0].opts?.timeoutMs).toBeLessThanOrEqual(1500);
    expect(engine.calls[0].opts?.signal).toBeInstanceOf(AbortSignal);
  });

  it('reads step as float seconds or a duration', async () => {
    await get('/api/v1/query_range?query=up&start=0&end=3600&step=0.5');
    await get('/api/v1/query_range?query=up&start=2015-07-01T20:10:30.781Z&end=2015-07-01T20:11:00.781Z&step=1m');
    expect(engine.calls.map((c) => c.step)).toEqual([500, 60_000]);
    expect(engine.calls[1]).toMatchObject({ start: 1435781430781, end: 1435781460781 });
  });

  it('is mounted under a second prefix too', async () => {
    const r = await get('/prometheus/api/v1/query?query=up&time=1');
    expect(r.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({ expr: 'up', time: 1000 });
  });
});

describe('bad input gets 400 bad_data with Prometheus messages', () => {
  it.each([
    ['/api/v1/query?query=up&time=x', 'invalid parameter "time": invalid time value for \'time\': cannot parse "x" to a valid timestamp'],
    ['/api/v1/query?query=up&limit=x', 'invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax'],
    ['/api/v1/query?query=up&limit=-1', 'invalid parameter "limit": limit must be non-negative'],
    ['/api/v1/query?query=up&timeout=x', 'invalid parameter "timeout": cannot parse "x" to a valid duration'],
    ['/api/v1/query?query=up&timeout=1e300', 'invalid parameter "timeout": cannot parse "1e300" to a valid duration. It overflows int64'],
    ['/api/v1/query?query=up&lookback_delta=x', 'error parsing lookback delta duration: cannot parse "x" to a valid duration'],
    ['/api/v1/query_range?query=up&end=1&step=1', 'invalid parameter "start": cannot parse "" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=x&end=1&step=1', 'invalid parameter "start": cannot parse "x" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=1&end=y&step=1', 'invalid parameter "end": cannot parse "y" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=2&end=1&step=1', 'invalid parameter "end": end timestamp must not be before start time'],
    ['/api/v1/query_range?query=up&start=1&end=2', 'invalid parameter "step": cannot parse "" to a valid duration'],
    ['/api/v1/query_range?query=up&start=1&end=2&step=z', 'invalid parameter "step": cannot parse "z" to a valid duration'],
    ['/api/v1/query_range?query=up&start=1&end=2&step=0', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['/api/v1/query_range?query=up&start=1&end=2&step=-5', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['/api/v1/query_range?query=up&start=0&end=110010&step=10', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ['/api/v1/query_range?query=up&start=0&end=1&step=1&limit=1.5', 'invalid parameter "limit": strconv.Atoi: parsing "1.5": invalid syntax'],
  ])('%s', async (path, message) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body).toBe(err('bad_data', message));
    expect(engine.calls).toHaveLength(0);
  });

  it('allows exactly 11,000 steps (Go integer division)', async () => {
    const r = await get('/api/v1/query_range?query=up&start=0&end=110009&step=10');
    expect(r.status).toBe(200);
  });

  it('renders engine parse errors as invalid parameter "query"', async () => {
    engine.answer = async () => {
      throw new PromqlError('bad_data', '1:5: parse error: unclosed left parenthesis', { start: 4, end: 5 });
    };
    const r = await get('/api/v1/query?query=foo(');
    expect(r.status).toBe(400);
    expect(r.body).toBe(err('bad_data', 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis'));
    const rr = await post('/api/v1/query_range', { query: 'foo(', start: '0', end: '1', step: '1' });
    expect(rr.status).toBe(400);
    expect(rr.body).toBe(err('bad_data', 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis'));
  });
});

describe('engine errors map to Prometheus status codes', () => {
  it.each([
    ['execution', 422, 'query processing would load too many samples into memory in query execution'],
    ['timeout', 503, 'query timed out in expression evaluation'],
    ['canceled', 499, 'query was canceled in expression evaluation'],
    ['internal', 500, 'storage failure'],
  ] as const)('%s -> %d', async (type, status, message) => {
    engine.answer = async () => {
      throw new PromqlError(type, message);
    };
    const r = await get('/api/v1/query?query=x');
    expect(r.status).toBe(status);
    expect(r.body).toBe(err(type, message));
  });

  it('an error that is not a PromqlError is an execution error, as in Prometheus', async () => {
    engine.answer = async () => {
      throw new Error('boom');
    };
    const r = await get('/api/v1/query?query=x');
    expect(r.status).toBe(422);
    expect(r.body).toBe(err('execution', 'boom'));
  });

  it('enforces the timeout parameter even when the engine ignores its signal', async () => {
    engine.answer = () => new Promise(() => {}); // never answers
    const t0 = Date.now();
    const r = await get('/api/v1/query?query=x&timeout=100ms');
    expect(r.status).toBe(503);
    expect(r.body).toBe(err('timeout', 'query timed out in expression evaluation'));
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('aborts the engine signal on timeout, and the next query still runs', async () => {
    let aborted = false;
    engine.answer = (_e, opts) =>
      new Promise((_, reject) => {
        opts?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new PromqlError('timeout', 'query timed out in expression evaluation'));
        });
      });
    const r = await get('/api/v1/query?query=x&timeout=0.05');
    expect(r.status).toBe(503);
    expect(aborted).toBe(true);
    engine.answer = async () => ({ value: { type: 'scalar', t: 1000, v: 1 }, warnings: [], infos: [] });
    expect((await get('/api/v1/query?query=1&time=1')).body).toBe('{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}');
  });

  it('aborts the engine when the client goes away', async () => {
    let reason: unknown;
    const seen = new Promise<void>((resolve) => {
      engine.answer = (_e, opts) =>
        new Promise((_, reject) => {
          opts?.signal?.addEventListener('abort', () => {
            reason = opts.signal?.reason;
            resolve();
            reject(new PromqlError('canceled', 'query was canceled in expression evaluation'));
          });
        });
    });
    const client = new AbortController();
    const req = fetch(`${base}/api/v1/query?query=slow`, { signal: client.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    client.abort();
    await seen;
    await req;
    expect(reason).toBe('canceled');
  });

  it('queues queries beyond the concurrency limit instead of running them at once', async () => {
    let running = 0;
    let maxRunning = 0;
    engine.answer = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return { value: { type: 'vector', samples: [] }, warnings: [], infos: [] };
    };
    const rs = await Promise.all([1, 2, 3].map(() => get('/api/v1/query?query=x')));
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(maxRunning).toBe(1);
  });
});

describe('result formatting', () => {
  const l = (o: Record<string, string>) => Labels.fromObject(o);

  it('formats vector values like Go, with HTML-escaped label strings', async () => {
    const values = [1, -0, 0.1 + 0.2, 1e-7, 1e21, 123456.789, Infinity, -Infinity, NaN, STALE_NAN];
    engine.answer = async () => ({
      value: { type: 'vector', samples: values.map((v, i) => ({ labels: l({ __name__: 'm', i: String(i), s: '<a&b>' }), t: 1435781451781 + i * 10, v })) },
      warnings: [],
      infos: [],
    });
    const r = await get('/api/v1/query?query=m');
    expect(r.body).toContain('{"metric":{"__name__":"m","i":"0","s":"\\u003ca\\u0026b\\u003e"},"value":[1435781451.781,"1"]}');
    const parsed = r.json() as { data: { result: { value: [number, string] }[] } };
    expect(parsed.data.result.map((x) => x.value[1])).toEqual(['1', '-0', '0.30000000000000004', '1e-07', '1e+21', '123456.789', '+Inf', '-Inf', 'NaN', 'NaN']);
    expect(r.body).toContain('[1435781451.791,"-0"]');
    expect(r.body).toContain('[1435781451.801,"0.30000000000000004"]');
  });

  it('formats scalars and strings with float seconds, and a matrix point by point', async () => {
    engine.answer = async () => ({ value: { type: 'scalar', t: 1500, v: 1e22 }, warnings: [], infos: [] });
    expect((await get('/api/v1/query?query=1e22')).body).toBe('{"status":"success","data":{"resultType":"scalar","result":[1.5,"10000000000000000000000"]}}');
    engine.answer = async () => ({ value: { type: 'string', t: 1000, v: 'a"b<' }, warnings: [], infos: [] });
    expect((await get('/api/v1/query?query=x')).body).toBe('{"status":"success","data":{"resultType":"string","result":[1,"a\\"b\\u003c"]}}');
    engine.answer = async () => ({
      value: {
        type: 'matrix',
        series: [
          { labels: l({ job: 'a' }), t: new Float64Array([0, 1500, 3000]), v: new Float64Array([1, 2.5, NaN]) },
          { labels: l({ job: 'b' }), t: [], v: [] },
        ],
      },
      warnings: [],
      infos: [],
    });
    expect((await get('/api/v1/query_range?query=x&start=0&end=3&step=1.5')).body).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[0,"1"],[1.500,"2.5"],[3,"NaN"]]},{"metric":{"job":"b"}}]}}',
    );
  });

  it('streams a large matrix intact', async () => {
    const n = 11_000;
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = i * 15_000;
      v[i] = i / 7;
    }
    const series = Array.from({ length: 50 }, (_, s) => ({ labels: l({ __name__: 'big', s: String(s) }), t, v }));
    engine.answer = async () => ({ value: { type: 'matrix', series }, warnings: [], infos: [] });
    const r = await get('/api/v1/query_range?query=big&start=0&end=165000&step=15');
    expect(r.status).toBe(200);
    const parsed = r.json() as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    expect(parsed.data.result).toHaveLength(50);
    expect(parsed.data.result[49].values).toHaveLength(n);
    expect(parsed.data.result[49].values[7]).toEqual([105, '1']);
    expect(parsed.data.result[3].values[n - 1]).toEqual([(n - 1) * 15, String((n - 1) / 7)]);

    // gzip when accepted (fetch decompresses), plain otherwise; same document.
    const gz = await fetch(`${base}/api/v1/query_range?query=big&start=0&end=165000&step=15`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(`${base}/api/v1/query_range?query=big&start=0&end=165000&step=15`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await gz.text()).toBe(await plain.text());
  });

  it('returns warnings and infos, capped at ten each like Prometheus', async () => {
    const warnings = Array.from({ length: 12 }, (_, i) => `PromQL warning: w${i}`);
    engine.answer = async () => ({ value: { type: 'vector', samples: [] }, warnings, infos: ['PromQL info: i'] });
    const body = (await get('/api/v1/query?query=x')).json() as { warnings: string[]; infos: string[] };
    expect(body.warnings).toHaveLength(11);
    expect(body.warnings[10]).toBe('2 more warning annotations omitted');
    expect(body.infos).toEqual(['PromQL info: i']);
  });

  it('truncates to limit with a warning', async () => {
    engine.answer = async () => ({
      value: { type: 'vector', samples: ['a', 'b', 'c'].map((x) => ({ labels: l({ x }), t: 0, v: 1 })) },
      warnings: [],
      infos: [],
    });
    const body = (await get('/api/v1/query?query=x&limit=2')).json() as { data: { result: unknown[] }; warnings: string[] };
    expect(body.data.result).toHaveLength(2);
    expect(body.warnings).toEqual(['results truncated due to limit']);
    const all = (await get('/api/v1/query?query=x&limit=3')).json() as { data: { result: unknown[] }; warnings?: string[] };
    expect(all.data.result).toHaveLength(3);
    expect(all.warnings).toBeUndefined();
  });

  it('adds stats when asked', async () => {
    engine.answer = async () => ({ value: { type: 'vector', samples: [] }, warnings: [], infos: [], stats: { samplesLoaded: 42, peakSamples: 7, evalMs: 3 } });
    const body = (await get('/api/v1/query?query=x&stats=all')).json() as { data: { stats: { timings: Record<string, number>; samples: Record<string, number> } } };
    expect(body.data.stats.samples).toEqual({ totalQueryableSamples: 42, peakSamples: 7 });
    expect(body.data.stats.timings.evalTotalTime).toBe(0.003);
    const plain = (await get('/api/v1/query?query=x')).json() as { data: { stats?: unknown } };
    expect(plain.data.stats).toBeUndefined();
  });
});

describe('format_query', () => {
  it('returns the formatted expression or the parse error', async () => {
    expect((await get('/api/v1/format_query?query=sum(%20x%20)')).body).toBe('{"status":"success","data":"sum( x )"}');
    const r = await post('/api/v1/format_query', { query: 'foo(' });
    expect(r.status).toBe(400);
    expect(r.body).toBe(err('bad_data', 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis'));
  });
});

describe('request bodies', () => {
  it('ignores bodies that are not url-encoded forms, as Go does', async () => {
    const res = await fetch(`${base}/api/v1/query?query=up&time=2`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(res.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({ expr: 'up', time: 2000 });
    const res2 = await fetch(`${base}/api/v1/query?query=x&time=3`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'zz' });
    expect(res2.status).toBe(200);
  });

  it('answers an oversized form in Prometheus error format', async () => {
    const res = await fetch(`${base}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${'x'.repeat(2 * 1024 * 1024)}`,
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { status: string; errorType: string };
    expect(body).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});
