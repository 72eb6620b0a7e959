import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPrometheusApi, type PrometheusApiDeps, type RuleGroupStatus } from '../src/metrics/api/index.js';
import { Labels, MemoryStorage, matchLabels, type Exemplar, type ExemplarQueryable } from '../src/metrics/index.js';
import { resolveTenant } from '../src/server/index.js';
import type { PromqlEngine } from '../src/metrics/promql/types.js';
import type { TargetStatus, TargetsSource } from '../src/metrics/scrape/types.js';

const L = (o: Record<string, string>) => Labels.fromObject(o);

function target(pool: string, instance: string, health: TargetStatus['health'], lastError = ''): TargetStatus {
  return {
    discoveredLabels: L({ __address__: instance, __scheme__: 'http', job: pool }),
    labels: L({ instance, job: pool }),
    scrapePool: pool,
    scrapeUrl: `http://${instance}/metrics`,
    globalUrl: `http://${instance}/metrics`,
    lastError,
    lastScrape: Date.UTC(2026, 0, 2, 3, 4, 5, 670),
    lastScrapeDurationSeconds: 0.012,
    health,
    scrapeIntervalMs: 15_000,
    scrapeTimeoutMs: 10_000,
  };
}

const targets: TargetsSource = {
  activeTargets: () => [target('node', 'n1:9100', 'up'), target('app', 'a1:8080', 'down', 'expected a valid start token, got "<" ("INVALID") while parsing: "<"')],
  droppedTargets: () => [{ ...target('app', 'x:1', 'unknown'), labels: Labels.EMPTY }],
  scrapePools: () => ['app', 'node'],
};

const EXEMPLARS: { series: Labels; exemplars: Exemplar[] }[] = [
  { series: L({ __name__: 'req_bucket', le: '0.5' }), exemplars: [{ labels: L({ trace_id: 'abc' }), value: 0.25, ts: 1600096945479 }] },
  { series: L({ __name__: 'req_bucket', le: '+Inf' }), exemplars: [{ labels: L({ trace_id: 'def' }), value: 7, ts: 1600096950000 }] },
  { series: L({ __name__: 'other' }), exemplars: [{ labels: L({ trace_id: 'zzz' }), value: 1, ts: 1600096950000 }] },
];

/** An exemplar store over a fixed list that applies the matchers and time range it is given. */
const exemplars: ExemplarQueryable = {
  async exemplars(sets, start, end) {
    return EXEMPLARS.filter((e) => sets.some((ms) => matchLabels(ms, (n) => e.series.get(n))))
      .map((e) => ({ seriesLabels: e.series, exemplars: e.exemplars.filter((x) => x.ts >= start && x.ts <= end) }))
      .filter((e) => e.exemplars.length > 0);
  },
};

const GROUPS: RuleGroupStatus[] = [
  {
    name: 'alerts',
    file: '/etc/rules/a.yml',
    interval: 30,
    limit: 0,
    evaluationTime: 0.001,
    lastEvaluation: Date.UTC(2026, 0, 2, 3, 4, 5),
    rules: [
      {
        type: 'alerting',
        state: 'firing',
        name: 'InstanceDown',
        query: 'up == 0',
        duration: 300,
        keepFiringFor: 0,
        labels: L({ severity: 'page' }),
        annotations: L({ summary: 'down' }),
        alerts: [{ labels: L({ alertname: 'InstanceDown', instance: 'a1:8080' }), annotations: L({ summary: 'down' }), state: 'firing', activeAt: Date.UTC(2026, 0, 2, 3, 0, 0, 500), value: 0 }],
        health: 'ok',
        lastError: '',
        evaluationTime: 0.0005,
        lastEvaluation: Date.UTC(2026, 0, 2, 3, 4, 5),
      },
      {
        type: 'recording',
        name: 'job:up:sum',
        query: 'sum by (job) (up)',
        labels: Labels.EMPTY,
        health: 'err',
        lastError: 'many-to-many matching not allowed',
        evaluationTime: 0.0002,
        lastEvaluation: 0,
      },
    ],
  },
  {
    name: 'records',
    file: '/etc/rules/b.yml',
    interval: 60,
    limit: 0,
    evaluationTime: 0,
    lastEvaluation: 0,
    rules: [{ type: 'recording', name: 'instance:cpu:rate5m', query: 'rate(cpu[5m])', labels: L({ team: 'infra' }), health: 'ok', lastError: '', evaluationTime: 0, lastEvaluation: 0 }],
  },
];

const noEngine: PromqlEngine = {
  instantQuery: () => Promise.reject(new Error('not used')),
  rangeQuery: () => Promise.reject(new Error('not used')),
};

function baseDeps(tenant: string): PrometheusApiDeps {
  return {
    queryable: new MemoryStorage(),
    engine: noEngine,
    targets,
    targetMetadata: () => [
      { target: L({ instance: 'n1:9100', job: 'node' }), metric: 'node_cpu_seconds_total', type: 'counter', help: 'CPU time.', unit: 'seconds' },
      { target: L({ instance: 'a1:8080', job: 'app' }), metric: 'go_goroutines', type: 'gauge', help: 'Goroutines.', unit: '' },
      { target: L({ instance: 'n1:9100', job: 'node' }), metric: 'go_goroutines', type: 'gauge', help: 'Goroutines.', unit: '' },
    ],
    exemplars,
    rules: () => GROUPS,
    configYaml: () => `# tenant ${tenant}\n`,
    flags: () => ({}),
    buildInfo: { version: '0', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
  };
}

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = Fastify({ forceCloseConnections: true });
  registerPrometheusApi(app, baseDeps('single'));
  // The Mimir role: the same handlers under /prometheus, dependencies chosen per tenant.
  registerPrometheusApi(app, baseDeps('unused'), {
    prefix: '/prometheus/api/v1',
    resolveDeps: (req) => baseDeps(resolveTenant(req.headers, { multiTenant: true, defaultTenant: 'anonymous' })),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { headers });
  const body = await res.text();
  return { status: res.status, body, json: () => (body === '' ? undefined : JSON.parse(body)) };
}

describe('targets', () => {
  it('lists active targets by pool and dropped targets with counts, in Prometheus 3 shape', async () => {
    const r = await get('/api/v1/targets');
    expect(r.status).toBe(200);
    const d = r.json().data;
    expect(d.activeTargets.map((t: { scrapePool: string }) => t.scrapePool)).toEqual(['app', 'node']);
    expect(d.activeTargets[0]).toEqual({
      discoveredLabels: { __address__: 'a1:8080', __scheme__: 'http', job: 'app' },
      labels: { instance: 'a1:8080', job: 'app' },
      scrapePool: 'app',
      scrapeUrl: 'http://a1:8080/metrics',
      globalUrl: 'http://a1:8080/metrics',
      lastError: 'expected a valid start token, got "<" ("INVALID") while parsing: "<"',
      lastScrape: '2026-01-02T03:04:05.67Z',
      lastScrapeDuration: 0.012,
      health: 'down',
      scrapeInterval: '15s',
      scrapeTimeout: '10s',
    });
    expect(d.droppedTargets).toEqual([{ discoveredLabels: { __address__: 'x:1', __scheme__: 'http', job: 'app' }, scrapePool: 'app' }]);
    expect(d.droppedTargetCounts).toEqual({ app: 1 });
  });

  it('filters by state and scrapePool', async () => {
    const active = (await get('/api/v1/targets?state=active')).json().data;
    expect(active.droppedTargets).toEqual([]);
    expect(active.droppedTargetCounts).toBeNull();
    const dropped = (await get('/api/v1/targets?state=Dropped')).json().data;
    expect(dropped.activeTargets).toEqual([]);
    expect(dropped.droppedTargets).toHaveLength(1);
    const node = (await get('/api/v1/targets?scrapePool=node')).json().data;
    expect(node.activeTargets.map((t: { labels: { instance: string } }) => t.labels.instance)).toEqual(['n1:9100']);
    expect(node.droppedTargets).toEqual([]);
  });
});

describe('targets/metadata', () => {
  it('lists per-target metadata with match_target, metric and limit', async () => {
    const all = (await get('/api/v1/targets/metadata')).json().data;
    expect(all).toHaveLength(3);
    expect(all[0]).toEqual({ target: { instance: 'n1:9100', job: 'node' }, metric: 'node_cpu_seconds_total', type: 'counter', help: 'CPU time.', unit: 'seconds' });
    const r = await get(`/api/v1/targets/metadata?match_target=${encodeURIComponent('{job="node"}')}&metric=go_goroutines`);
    expect(r.body).toBe('{"status":"success","data":[{"target":{"instance":"n1:9100","job":"node"},"type":"gauge","help":"Goroutines.","unit":""}]}');
    expect((await get('/api/v1/targets/metadata?limit=1')).json().data).toHaveLength(1);
    expect((await get('/api/v1/targets/metadata?limit=x')).body).toBe('{"status":"error","errorType":"bad_data","error":"limit must be a number"}');
    expect((await get('/api/v1/targets/metadata?match_target=%7Bjob')).body).toBe(
      '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"match_target\\": 1:5: parse error: unexpected end of input inside braces"}',
    );
  });
});

describe('rules and alerts', () => {
  it('lists rule groups in Prometheus shape', async () => {
    const g = (await get('/api/v1/rules')).json().data.groups;
    expect(g.map((x: { name: string }) => x.name)).toEqual(['alerts', 'records']);
    expect(g[0]).toMatchObject({ name: 'alerts', file: '/etc/rules/a.yml', interval: 30, limit: 0, lastEvaluation: '2026-01-02T03:04:05Z' });
    expect(g[0].rules[0]).toEqual({
      state: 'firing',
      name: 'InstanceDown',
      query: 'up == 0',
      duration: 300,
      keepFiringFor: 0,
      labels: { severity: 'page' },
      annotations: { summary: 'down' },
      alerts: [{ labels: { alertname: 'InstanceDown', instance: 'a1:8080' }, annotations: { summary: 'down' }, state: 'firing', activeAt: '2026-01-02T03:00:00.5Z', value: '0e+00' }],
      health: 'ok',
      evaluationTime: 0.0005,
      lastEvaluation: '2026-01-02T03:04:05Z',
      type: 'alerting',
    });
    expect(g[0].rules[1]).toEqual({
      name: 'job:up:sum',
      query: 'sum by (job) (up)',
      // Prometheus's recording-rule JSON has `labels,omitempty` (checked against 2.42 in rules-vs-prometheus).
      health: 'err',
      lastError: 'many-to-many matching not allowed',
      evaluationTime: 0.0002,
      lastEvaluation: '0001-01-01T00:00:00Z',
      type: 'recording',
    });
  });

  it('filters by type, rule_name[], exclude_alerts', async () => {
    expect((await get('/api/v1/rules?type=record')).json().data.groups[0].rules.map((r: { name: string }) => r.name)).toEqual(['job:up:sum']);
    expect((await get('/api/v1/rules?match[]=%7Bteam%3D%22infra%22%7D')).json().data.groups.map((x: { name: string }) => x.name)).toEqual(['records']);
    expect((await get('/api/v1/rules?file[]=/etc/rules/b.yml')).json().data.groups).toHaveLength(1);
    expect((await get('/api/v1/rules?rule_name[]=nope')).json().data.groups).toEqual([]);
    expect((await get('/api/v1/rules?type=alert&exclude_alerts=true')).json().data.groups[0].rules[0].alerts).toBeNull();
    const bad = await get('/api/v1/rules?type=x');
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('{"status":"error","errorType":"bad_data","error":"invalid parameter \\"type\\": not supported value \\"x\\""}');
  });

  it('paginates groups with group_limit and group_next_token', async () => {
    const first = (await get('/api/v1/rules?group_limit=1')).json().data;
    expect(first.groups.map((x: { name: string }) => x.name)).toEqual(['alerts']);
    expect(first.groupNextToken).toMatch(/^[0-9a-f]{64}$/);
    const second = (await get(`/api/v1/rules?group_limit=1&group_next_token=${first.groupNextToken}`)).json().data;
    expect(second.groups.map((x: { name: string }) => x.name)).toEqual(['records']);
    expect(second.groupNextToken).toBeUndefined();
    expect((await get('/api/v1/rules?group_next_token=abc')).json().error).toBe(
      'invalid parameter "group_next_token": group_limit needs to be present in order to paginate over the groups',
    );
    expect((await get('/api/v1/rules?group_limit=0')).json().error).toBe('invalid parameter "group_limit": group_limit needs to be greater than 0');
    expect((await get('/api/v1/rules?group_limit=1&group_next_token=abc')).json().error).toBe(
      "invalid parameter \"group_next_token\": invalid group_next_token 'abc'. were rule groups changed?",
    );
  });

  it('lists active alerts', async () => {
    expect((await get('/api/v1/alerts')).json().data.alerts).toEqual([
      { labels: { alertname: 'InstanceDown', instance: 'a1:8080' }, annotations: { summary: 'down' }, state: 'firing', activeAt: '2026-01-02T03:00:00.5Z', value: '0e+00' },
    ]);
  });
});

describe('query_exemplars', () => {
  it('returns exemplars of the selectors in the expression', async () => {
    const r = await get(`/api/v1/query_exemplars?query=${encodeURIComponent('histogram_quantile(0.9, sum by (le) (rate(req_bucket[5m])))')}&start=1600096900&end=1600097000`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(
      '{"status":"success","data":[{"seriesLabels":{"__name__":"req_bucket","le":"0.5"},"exemplars":[{"labels":{"trace_id":"abc"},"value":"0.25","timestamp":1600096945.479}]},' +
        '{"seriesLabels":{"__name__":"req_bucket","le":"+Inf"},"exemplars":[{"labels":{"trace_id":"def"},"value":"7","timestamp":1600096950}]}]}',
    );
    const narrow = (await get('/api/v1/query_exemplars?query=req_bucket&start=1600096940&end=1600096946')).json().data;
    expect(narrow).toHaveLength(1);
  });

  it('answers 204 for an expression without selectors, 400 for bad input', async () => {
    expect((await get('/api/v1/query_exemplars?query=1%2B1')).status).toBe(204);
    const r = await get('/api/v1/query_exemplars?query=up&start=2&end=1');
    expect(r.status).toBe(400);
    expect(r.body).toBe('{"status":"error","errorType":"bad_data","error":"end timestamp must not be before start timestamp"}');
    expect((await get('/api/v1/query_exemplars?query=sum(')).status).toBe(400);
    expect((await get('/api/v1/query_exemplars?query=')).json().errorType).toBe('bad_data');
  });
});

describe('per-request dependencies (multi-tenant mounting)', () => {
  it('picks the dependencies of the request tenant and renders tenant errors in Prometheus format', async () => {
    const r = await get('/prometheus/api/v1/status/config', { 'X-Scope-OrgID': 'team-a' });
    expect(r.json().data.yaml).toBe('# tenant team-a\n');
    const missing = await get('/prometheus/api/v1/status/config');
    expect(missing.status).toBe(401);
    expect(missing.body).toBe('{"status":"error","errorType":"unauthorized","error":"no org id"}');
    expect((await get('/api/v1/status/config')).json().data.yaml).toBe('# tenant single\n');
  });
});
