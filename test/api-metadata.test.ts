import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TIME_MS, MIN_TIME_MS, registerPrometheusApi, type PrometheusApiDeps } from '../src/metrics/api/index.js';
import { Labels, MemoryStorage, type MetricMetadata, type MetadataSource, type Querier, type Queryable } from '../src/metrics/index.js';
import type { PromqlEngine } from '../src/metrics/promql/types.js';

/** The series the tests query, loaded into a real MemoryStorage through its Appender. */
const SERIES: Record<string, string>[] = [
  { __name__: 'up', job: 'api', instance: 'a:9090' },
  { __name__: 'up', job: 'api', instance: 'b:9090' },
  { __name__: 'up', job: 'db', instance: 'c:9100' },
  { __name__: 'http_requests_total', job: 'api', instance: 'a:9090', code: '200' },
  { __name__: 'http_requests_total', job: 'api', instance: 'a:9090', code: '500' },
  { __name__: 'old_metric', job: 'gone' },
  { __name__: 'dotted.metric', 'service.name': 'checkout' },
];

const storage = new MemoryStorage();
/** Calls seen by the storage (what the API asked it for). */
const querierRanges: [number, number][] = [];
const recordingQueryable: Queryable = {
  async querier(mint, maxt): Promise<Querier> {
    querierRanges.push([mint, maxt]);
    return storage.querier(mint, maxt);
  },
};

/** A metadata source over a fixed table, like the scrape manager's per-target metadata. */
const META: Record<string, MetricMetadata[]> = {
  up: [{ type: 'gauge', help: 'Whether the target is up.', unit: '' }],
  http_requests_total: [
    { type: 'counter', help: 'Requests.', unit: '' },
    { type: 'counter', help: 'HTTP requests.', unit: '' },
  ],
  process_cpu_seconds_total: [{ type: 'counter', help: 'CPU time.', unit: 'seconds' }],
};
const metadata: MetadataSource = {
  metadata(metric?: string) {
    const m = new Map<string, MetricMetadata[]>();
    for (const [k, v] of Object.entries(META)) if (metric === undefined || k === metric) m.set(k, v);
    return m;
  },
};

const noEngine: PromqlEngine = {
  instantQuery: () => Promise.reject(new Error('not used')),
  rangeQuery: () => Promise.reject(new Error('not used')),
};

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  const ap = storage.appender();
  for (const s of SERIES) {
    const lbls = Labels.fromObject(s);
    const t0 = s.job === 'gone' ? 1_000_000 : 2_000_000;
    for (let i = 0; i < 5; i++) ap.append(0, lbls, t0 + i * 15_000, i);
  }
  await ap.commit();
  const deps: PrometheusApiDeps = {
    queryable: recordingQueryable,
    engine: noEngine,
    metadata,
    configYaml: () => 'global:\n  scrape_interval: 15s\n',
    flags: () => ({ 'storage.tsdb.retention.time': '15d', 'config.file': 'sightline.yaml' }),
    buildInfo: { version: '0.1.0', revision: 'abc', branch: 'main', buildUser: 'ci', buildDate: '20260101', goVersion: 'node' },
  };
  app = Fastify({ forceCloseConnections: true });
  registerPrometheusApi(app, deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app.close();
});

async function get(path: string) {
  const res = await fetch(base + path);
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) };
}

async function post(path: string, form: [string, string][]) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) };
}

const err = (error: string) => JSON.stringify({ status: 'error', errorType: 'bad_data', error });
const q = encodeURIComponent;

describe('series', () => {
  it('selects series by match[] from the storage', async () => {
    const r = await get(`/api/v1/series?match[]=${q('up{job="api"}')}`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(
      '{"status":"success","data":[{"__name__":"up","instance":"a:9090","job":"api"},{"__name__":"up","instance":"b:9090","job":"api"}]}',
    );
  });

  it('unions several match[], sorted, without duplicates; POST form too', async () => {
    const r = await post('/api/v1/series', [
      ['match[]', 'up{instance="a:9090"}'],
      ['match[]', '{job="api",code=~"5.."}'],
      ['match[]', 'up{job="api"}'],
    ]);
    expect(r.status).toBe(200);
    expect(r.json().data).toEqual([
      { __name__: 'http_requests_total', code: '500', instance: 'a:9090', job: 'api' },
      { __name__: 'up', instance: 'a:9090', job: 'api' },
      { __name__: 'up', instance: 'b:9090', job: 'api' },
    ]);
  });

  it('passes start and end to the storage, with Prometheus min/max defaults', async () => {
    querierRanges.length = 0;
    await get(`/api/v1/series?match[]=up`);
    // Prometheus's MinTime/MaxTime: -292273086-05-16T16:47:06Z and 292277025-08-18T07:12:54.999Z.
    expect(querierRanges[0]).toEqual([MIN_TIME_MS, MAX_TIME_MS]);
    expect(MIN_TIME_MS).toBe(-9223309901257974 * 1000);
    expect(MAX_TIME_MS).toBe(9223309901257974 * 1000 + 999);
    const r = await get(`/api/v1/series?match[]=${q('{job=~".+"}')}&start=1000&end=1100`);
    expect(querierRanges[1]).toEqual([1_000_000, 1_100_000]);
    expect(r.json().data).toEqual([{ __name__: 'old_metric', job: 'gone' }]);
  });

  it('accepts quoted UTF-8 names', async () => {
    const r = await get(`/api/v1/series?match[]=${q('{"dotted.metric","service.name"="checkout"}')}`);
    expect(r.json().data).toEqual([{ __name__: 'dotted.metric', 'service.name': 'checkout' }]);
  });

  it('truncates to limit with a warning', async () => {
    const r = await get(`/api/v1/series?match[]=up&limit=2`);
    expect(r.json()).toEqual({
      status: 'success',
      data: [
        { __name__: 'up', instance: 'a:9090', job: 'api' },
        { __name__: 'up', instance: 'b:9090', job: 'api' },
      ],
      warnings: ['results truncated due to limit'],
    });
  });

  it.each([
    ['/api/v1/series', 'no match[] parameter provided'],
    [`/api/v1/series?match[]=${q('{foo=""}')}`, 'invalid parameter "match[]": match[] must contain at least one non-empty matcher'],
    [`/api/v1/series?match[]=${q('{job=~".*"}')}`, 'invalid parameter "match[]": match[] must contain at least one non-empty matcher'],
    [`/api/v1/series?match[]=${q('{foo')}`, 'invalid parameter "match[]": 1:5: parse error: unexpected end of input inside braces'],
    [`/api/v1/series?match[]=${q('foo{bar}')}`, 'invalid parameter "match[]": 1:8: parse error: unexpected "}" in label matching, expected label matching operator'],
    [`/api/v1/series?match[]=up&start=x`, 'invalid parameter "start": invalid time value for \'start\': cannot parse "x" to a valid timestamp'],
    [`/api/v1/series?match[]=up&end=x`, 'invalid parameter "end": invalid time value for \'end\': cannot parse "x" to a valid timestamp'],
    [`/api/v1/series?match[]=up&limit=x`, 'invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax'],
    [`/api/v1/series?match[]=up&limit=-1`, 'invalid parameter "limit": limit must be non-negative'],
  ])('%s -> 400', async (path, message) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body).toBe(err(message));
  });
});

describe('labels and label values', () => {
  it('lists label names, all or by match[]', async () => {
    expect((await get('/api/v1/labels')).json().data).toEqual(['__name__', 'code', 'instance', 'job', 'service.name']);
    expect((await get(`/api/v1/labels?match[]=up`)).json().data).toEqual(['__name__', 'instance', 'job']);
    const r = await post('/api/v1/labels', [
      ['match[]', 'old_metric'],
      ['match[]', 'http_requests_total'],
    ]);
    expect(r.json().data).toEqual(['__name__', 'code', 'instance', 'job']);
    const lim = (await get('/api/v1/labels?limit=2')).json();
    expect(lim).toEqual({ status: 'success', data: ['__name__', 'code'], warnings: ['results truncated due to limit'] });
  });

  it('lists label values, within a time range and by match[]', async () => {
    expect((await get('/api/v1/label/job/values')).json().data).toEqual(['api', 'db', 'gone']);
    expect((await get('/api/v1/label/job/values?start=1500&end=3000')).json().data).toEqual(['api', 'db']);
    expect((await get(`/api/v1/label/instance/values?match[]=${q('up{job="api"}')}&match[]=${q('up{job="db"}')}`)).json().data).toEqual([
      'a:9090',
      'b:9090',
      'c:9100',
    ]);
    expect((await get('/api/v1/label/nope/values')).json().data).toEqual([]);
    expect((await get('/api/v1/label/__name__/values?limit=1')).json()).toEqual({
      status: 'success',
      data: ['dotted.metric'],
      warnings: ['results truncated due to limit'],
    });
  });

  it('unescapes U__ label names (UTF-8 escaping)', async () => {
    expect((await get('/api/v1/label/U__service_2e_name/values')).json().data).toEqual(['checkout']);
  });

  it('rejects bad parameters with Prometheus messages (match[] errors are not wrapped here)', async () => {
    expect((await get(`/api/v1/labels?match[]=${q('{a=""}')}`)).body).toBe(err('match[] must contain at least one non-empty matcher'));
    expect((await get(`/api/v1/label/job/values?match[]=${q('{a')}`)).body).toBe(err('1:3: parse error: unexpected end of input inside braces'));
    expect((await get('/api/v1/labels?start=yesterday')).body).toBe(
      err('invalid parameter "start": invalid time value for \'start\': cannot parse "yesterday" to a valid timestamp'),
    );
    const r = await get('/api/v1/label/job/values?limit=x');
    expect(r.status).toBe(400);
    expect(r.body).toBe(err('invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax'));
  });
});

describe('metadata', () => {
  it('returns metric metadata with metric, limit and limit_per_metric', async () => {
    expect((await get('/api/v1/metadata?metric=up')).body).toBe('{"status":"success","data":{"up":[{"type":"gauge","help":"Whether the target is up.","unit":""}]}}');
    const all = (await get('/api/v1/metadata')).json().data;
    expect(Object.keys(all).sort()).toEqual(['http_requests_total', 'process_cpu_seconds_total', 'up']);
    expect(all.http_requests_total).toHaveLength(2);
    expect(Object.keys((await get('/api/v1/metadata?limit=1')).json().data)).toHaveLength(1);
    expect((await get('/api/v1/metadata?metric=http_requests_total&limit_per_metric=1')).json().data.http_requests_total).toHaveLength(1);
    expect((await get('/api/v1/metadata?metric=nope')).json().data).toEqual({});
  });

  it('rejects non-numeric limits', async () => {
    expect((await get('/api/v1/metadata?limit=x')).body).toBe(err('limit must be a number'));
    expect((await get('/api/v1/metadata?limit_per_metric=x')).body).toBe(err('limit_per_metric must be a number'));
  });
});

describe('status', () => {
  it('serves build info, config and flags', async () => {
    expect((await get('/api/v1/status/buildinfo')).body).toBe(
      '{"status":"success","data":{"version":"0.1.0","revision":"abc","branch":"main","buildUser":"ci","buildDate":"20260101","goVersion":"node"}}',
    );
    expect((await get('/api/v1/status/config')).body).toBe('{"status":"success","data":{"yaml":"global:\\n  scrape_interval: 15s\\n"}}');
    expect((await get('/api/v1/status/flags')).body).toBe('{"status":"success","data":{"config.file":"sightline.yaml","storage.tsdb.retention.time":"15d"}}');
  });

  it('serves runtime info of this process', async () => {
    const d = (await get('/api/v1/status/runtimeinfo')).json().data;
    expect(d.CWD).toBe(process.cwd());
    expect(Date.parse(d.startTime)).toBeLessThanOrEqual(Date.parse(d.serverTime));
    expect(d.GOMAXPROCS).toBeGreaterThan(0);
  });

  it('computes TSDB cardinality statistics from the index when no TSDB gives them', async () => {
    const d = (await get('/api/v1/status/tsdb?limit=2')).json().data;
    expect(d.headStats.numSeries).toBe(SERIES.length);
    expect(d.seriesCountByMetricName).toEqual([
      { name: 'up', value: 3 },
      { name: 'http_requests_total', value: 2 },
    ]);
    expect(d.labelValueCountByLabelName[0]).toEqual({ name: '__name__', value: 4 });
    expect(d.seriesCountByLabelValuePair[0]).toEqual({ name: 'job=api', value: 4 });
    expect((await get('/api/v1/status/tsdb?limit=0')).body).toBe(err('limit must be a positive number'));
    expect((await get('/api/v1/status/tsdb?limit=10001')).body).toBe(err('limit must not exceed 10000'));
  });
});

describe('routing', () => {
  it('answers 404 for unknown API paths', async () => {
    expect((await get('/api/v1/nope')).status).toBe(404);
  });
});

describe('CORS', () => {
  it('allows no cross-origin caller by default (no Access-Control-Allow-Origin), preflights answered 204', async () => {
    const pre = await fetch(`${base}/api/v1/query_range`, { method: 'OPTIONS', headers: { origin: 'http://grafana.local' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const r = await fetch(`${base}/api/v1/labels`, { headers: { origin: 'http://grafana.local' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('vary')).toContain('Origin');
    await r.text();
  });
});
