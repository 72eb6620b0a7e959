import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { encodeV1 } from './helpers/remote-write-protos.js';
import { tempDir } from './helpers/process.js';

/**
 * Mimir's ruler: a group posted with the rules configuration API (YAML, X-Scope-OrgID) is evaluated over that
 * tenant's remote-written data, its recording-rule results land in that tenant (queryable there, not elsewhere),
 * /prometheus/api/v1/rules and /alerts are per tenant, and the groups survive a restart; DELETE removes them.
 * Alerts go to `ruler.alertmanager_url` as Mimir sends them to its multi-tenant Alertmanager: the URL's path as the
 * API prefix (`/alertmanager/api/v2/alerts`) and the tenant in `X-Scope-OrgID`.
 */
const GROUP = `name: team_rules
interval: 1s
rules:
  - record: job:up_metric:sum
    expr: sum by (job) (up_metric)
  - alert: UpMetricHigh
    expr: up_metric > 1
    labels:
      severity: page
`;

let mimir: MimirComponent;
let base = '';
let dataDir = '';
let config: ReturnType<typeof sightlineConfigSchema.parse>;

const h = (tenant: string) => ({ 'X-Scope-OrgID': tenant });
const start = async () => {
  mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
  base = `http://127.0.0.1:${mimir.ports.mimir}`;
};

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function query(tenant: string, q: string) {
  const res = await fetch(`${base}/prometheus/api/v1/query?query=${encodeURIComponent(q)}`, { headers: h(tenant) });
  return ((await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
}

async function rules(tenant: string) {
  const res = await fetch(`${base}/prometheus/api/v1/rules`, { headers: h(tenant) });
  return ((await res.json()) as { data: { groups: Array<{ name: string; file: string; rules: Array<{ name: string; health: string; state?: string; lastEvaluation: string }> }> } }).data.groups;
}

const amPosts: Array<{ path: string; tenant: string; alerts: Array<{ labels: Record<string, string> }> }> = [];
let am: Server;

describe('Mimir ruler', () => {
  beforeAll(async () => {
    am = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        amPosts.push({ path: req.url ?? '', tenant: String(req.headers['x-scope-orgid']), alerts: JSON.parse(b) as Array<{ labels: Record<string, string> }> });
        res.end();
      });
    });
    await new Promise<void>((r) => am.listen(0, '127.0.0.1', r));
    const amUrl = `http://127.0.0.1:${(am.address() as AddressInfo).port}/alertmanager`;
    dataDir = tempDir('mimir-ruler');
    config = sightlineConfigSchema.parse({ remote: { multitenancy_enabled: true }, mimir: { listen_address: '127.0.0.1:0', ruler: { evaluation_interval: '1s', alertmanager_url: amUrl } } });
    await start();
    const now = Date.now();
    const body = compressSnappyBody(
      encodeV1([{ labels: [{ name: '__name__', value: 'up_metric' }, { name: 'job', value: 'api' }], samples: [{ timestamp: now - 1000, value: 5 }] }]),
    );
    const res = await fetch(`${base}/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', ...h('team-a') }, body });
    expect(res.status).toBe(200);
  }, 30_000);

  afterAll(async () => {
    await mimir?.stop();
    am?.close();
  });

  it('refuses an invalid group with 400 and stores nothing', async () => {
    const res = await fetch(`${base}/prometheus/config/v1/rules/ns1`, { method: 'POST', headers: { 'Content-Type': 'application/yaml', ...h('team-a') }, body: 'name: bad\nrules:\n  - record: x\n    expr: sum(\n' });
    expect(res.status).toBe(400);
    expect((await fetch(`${base}/prometheus/config/v1/rules`, { headers: h('team-a') })).status).toBe(404);
  });

  it('a posted group evaluates over the tenant data; results are the tenant own; other tenants see nothing', async () => {
    const res = await fetch(`${base}/prometheus/config/v1/rules/ns1`, { method: 'POST', headers: { 'Content-Type': 'application/yaml', ...h('team-a') }, body: GROUP });
    expect(res.status).toBe(202);
    const cfg = parseYaml(await (await fetch(`${base}/prometheus/config/v1/rules`, { headers: h('team-a') })).text()) as Record<string, Array<{ name: string }>>;
    expect(Object.keys(cfg)).toEqual(['ns1']);
    expect(cfg.ns1[0].name).toBe('team_rules');
    const rec = await waitFor(async () => {
      const r = await query('team-a', 'job:up_metric:sum');
      return r.length > 0 ? r : undefined;
    });
    expect(rec[0].metric).toEqual({ __name__: 'job:up_metric:sum', job: 'api' });
    expect(rec[0].value[1]).toBe('5');
    const groups = await rules('team-a');
    expect(groups.map((g) => [g.name, g.file])).toEqual([['team_rules', 'ns1']]);
    expect(groups[0].rules.map((r) => r.health)).toEqual(['ok', 'ok']);
    const alerts = (await (await fetch(`${base}/prometheus/api/v1/alerts`, { headers: h('team-a') })).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    expect(alerts.data.alerts.map((a) => [a.labels, a.state])).toEqual([[{ alertname: 'UpMetricHigh', job: 'api', severity: 'page' }, 'firing']]);
    expect(await rules('team-b')).toEqual([]);
    expect(await query('team-b', 'job:up_metric:sum')).toEqual([]);
    expect((await fetch(`${base}/prometheus/config/v1/rules`, { headers: h('team-b') })).status).toBe(404);
  });

  it('the firing alert reaches the Alertmanager at ruler.alertmanager_url under /alertmanager with the tenant as X-Scope-OrgID', async () => {
    const post = await waitFor(async () => amPosts.find((p) => p.alerts.some((a) => a.labels.alertname === 'UpMetricHigh')));
    expect(post.path).toBe('/alertmanager/api/v2/alerts');
    expect(post.tenant).toBe('team-a');
    expect(post.alerts.map((a) => a.labels)).toEqual([{ alertname: 'UpMetricHigh', job: 'api', severity: 'page' }]);
    expect(amPosts.every((p) => p.tenant === 'team-a')).toBe(true);
  });

  it('groups survive a restart; DELETE of the namespace removes them', async () => {
    await mimir.stop();
    await start();
    expect((await rules('team-a')).map((g) => g.name)).toEqual(['team_rules']);
    const one = parseYaml(await (await fetch(`${base}/prometheus/config/v1/rules/ns1/team_rules`, { headers: h('team-a') })).text()) as { name: string };
    expect(one.name).toBe('team_rules');
    const del = await fetch(`${base}/prometheus/config/v1/rules/ns1`, { method: 'DELETE', headers: h('team-a') });
    expect(del.status).toBe(202);
    expect(await rules('team-a')).toEqual([]);
    expect((await fetch(`${base}/prometheus/config/v1/rules/ns1`, { headers: h('team-a') })).status).toBe(404);
  });
});
