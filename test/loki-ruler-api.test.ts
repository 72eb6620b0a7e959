import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { decodeWriteRequestV1, decompressSnappyBody } from '../src/metrics/remote/index.js';
import { startLokiRuler, type LokiRuler } from '../src/rules/loki/index.js';
import { Registry, silentLogger } from '../src/server/index.js';
import { RULER_MODES, pooledQueries } from './helpers/logql-load.js';

/**
 * Loki's ruler on the Loki role: rules from `<directory>/<tenant>/`, the seed's loki-alerts.yml unchanged, evaluated
 * every `evaluation_interval` over the tenant's pushed logs; Loki's ruler APIs per tenant; a firing alert reaches
 * the Alertmanager at `alertmanager_url` (POST /api/v2/alerts); recording-rule results are remote-written as the tenant.
 */
const SEED = '/work/shared/seed/loki-alerts.yml';

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
  });
}

async function listenOn(handler: (req: IncomingMessage, b: Buffer) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void body(req).then((b) => {
      handler(req, b);
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(RULER_MODES)('Loki ruler on the Loki role (workers $workers)', ({ workers }) => {
  let dir: string;
  let loki: RunningLogs;
  let ruler: LokiRuler | undefined;
  let am: { server: Server; url: string };
  let rw: { server: Server; url: string };
  const amAlerts: Array<{ labels: Record<string, string> }> = [];
  const amTenants: string[] = [];
  const written: Array<{ tenant: string; series: Array<{ labels: Record<string, string>; v: number[] }> }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loki-ruler-api-'));
    const rules = join(dir, 'rules');
    mkdirSync(join(rules, 'team-a'), { recursive: true });
    copyFileSync(SEED, join(rules, 'team-a', 'loki-alerts.yml'));
    writeFileSync(
      join(rules, 'team-a', 'records.yml'),
      'groups:\n- name: lines\n  rules:\n  - record: namespace:error_lines:count1m\n    expr: sum by (namespace) (count_over_time({namespace="production"} |= "error" [1m]))\n' +
        '  - alert: AnyProductionErrors\n    expr: sum(count_over_time({namespace="production"} |= "error" [1m])) > 0\n    labels: {severity: info}\n',
    );
    am = await listenOn((req, b) => {
      if (req.url !== '/api/v2/alerts') return;
      amAlerts.push(...(JSON.parse(b.toString()) as Array<{ labels: Record<string, string> }>));
      amTenants.push(String(req.headers['x-scope-orgid']));
    });
    rw = await listenOn((req, b) => {
      const batch = decodeWriteRequestV1(decompressSnappyBody(b));
      const series = [];
      for (let i = 0; i < batch.seriesCount; i++) {
        const flat = batch.labels[i];
        const labels: Record<string, string> = {};
        for (let j = 0; j < flat.length; j += 2) labels[flat[j]] = flat[j + 1];
        series.push({ labels, v: Array.from(batch.v.subarray(batch.sampleStart(i), batch.sampleEnd[i])) });
      }
      written.push({ tenant: String(req.headers['x-scope-orgid']), series });
    });
    const rulerCfg = sightlineConfigSchema.parse({
      logs: {
        ruler: {
          storage: { type: 'local', local: { directory: rules } },
          alertmanager_url: am.url,
          evaluation_interval: '1s',
          poll_interval: '1m',
          remote_write: { enabled: true, client: { url: `${rw.url}/api/v1/push` } },
        },
      },
    }).logs.ruler;
    loki = await startLogsForTest(
      join(dir, 'data'),
      { auth_enabled: true, query: { workers } },
      {
        ruler: async (host) => {
          ruler = await startLokiRuler(host.app, { config: rulerCfg, engine: host.queries, tenancy: host.tenancy, registry: new Registry(), logger: silentLogger(), selfURL: 'http://loki:3100' });
          return ruler;
        },
      },
    );
    // 15 error lines a second in production over the last 5 minutes, as tenant team-a.
    const now = Date.now();
    const values: Array<[string, string]> = [];
    for (let ms = now - 300_000; ms < now; ms += 1000) for (let i = 0; i < 15; i++) values.push([String(BigInt(ms + i) * 1_000_000n), `level=error msg="boom" i=${i}`]);
    const res = await fetch(`${loki.base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Scope-OrgID': 'team-a' },
      body: JSON.stringify({ streams: [{ stream: { namespace: 'production' }, values }] }),
    });
    expect(res.status).toBe(204);
  }, 30_000);

  afterAll(async () => {
    await loki?.stop();
    am?.server.close();
    rw?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, tenant: string) => fetch(`${loki.base}${path}`, { headers: { 'X-Scope-OrgID': tenant } });

  it('evaluates the seed rule for its tenant: /prometheus/api/v1/rules and /alerts show it pending', async () => {
    const rules = await waitFor(async () => {
      const j = (await (await get('/prometheus/api/v1/rules', 'team-a')).json()) as { data: { groups: Array<{ name: string; file: string; rules: Array<{ name: string; state?: string; health: string }> }> } };
      const g = j.data.groups.find((x) => x.name === 'loki_alerts');
      return g && g.rules[0].state === 'pending' ? j : undefined;
    });
    const g = rules.data.groups.find((x) => x.name === 'loki_alerts');
    expect(g?.file).toBe('loki-alerts.yml');
    expect(g?.rules[0]).toMatchObject({ name: 'HighErrorLogRate', health: 'ok', state: 'pending' });
    const alerts = (await (await get('/prometheus/api/v1/alerts', 'team-a')).json()) as { status: string; data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    expect(alerts.status).toBe('success');
    expect(alerts.data.alerts.find((a) => a.labels.alertname === 'HighErrorLogRate')).toMatchObject({ labels: { alertname: 'HighErrorLogRate', severity: 'warning' }, state: 'pending' });
  });

  it('/loki/api/v1/rules answers the tenant rule groups as YAML by namespace; another tenant sees none', async () => {
    const res = await get('/loki/api/v1/rules', 'team-a');
    expect(res.status).toBe(200);
    const doc = parseYaml(await res.text()) as Record<string, Array<{ name: string }>>;
    expect(Object.keys(doc).sort()).toEqual(['loki-alerts.yml', 'records.yml']);
    expect(doc['loki-alerts.yml'][0].name).toBe('loki_alerts');
    const one = parseYaml(await (await get('/loki/api/v1/rules/records.yml', 'team-a')).text()) as Record<string, unknown>;
    expect(Object.keys(one)).toEqual(['records.yml']);
    expect((await get('/loki/api/v1/rules', 'team-b')).status).toBe(404);
    const other = (await (await get('/prometheus/api/v1/rules', 'team-b')).json()) as { data: { groups: unknown[] } };
    expect(other.data.groups).toEqual([]);
    expect((await fetch(`${loki.base}/prometheus/api/v1/rules`)).status).toBe(401);
  });

  it('a firing alert reaches the Alertmanager; recording-rule results are remote-written as the tenant', async () => {
    await waitFor(async () => (amAlerts.some((a) => a.labels.alertname === 'AnyProductionErrors') ? true : undefined));
    expect(amAlerts.find((a) => a.labels.alertname === 'AnyProductionErrors')?.labels).toEqual({ alertname: 'AnyProductionErrors', severity: 'info' });
    // Posted as the tenant (Loki's ruler injects X-Scope-OrgID for a multi-tenant Alertmanager).
    expect(new Set(amTenants)).toEqual(new Set(['team-a']));
    // Pending alerts are never sent.
    expect(amAlerts.some((a) => a.labels.alertname === 'HighErrorLogRate')).toBe(false);
    const rec = await waitFor(async () => written.flatMap((w) => w.series.map((s) => ({ ...s, tenant: w.tenant }))).find((s) => s.labels.__name__ === 'namespace:error_lines:count1m'));
    expect(rec.tenant).toBe('team-a');
    expect(rec.labels).toEqual({ __name__: 'namespace:error_lines:count1m', namespace: 'production' });
    // 15 lines a second: a 1m window ending at the group's aligned evaluation time (≤ 1 s after the push) holds 840-900.
    expect(rec.v[0]).toBeGreaterThanOrEqual(840);
    expect(rec.v[0]).toBeLessThanOrEqual(900);
    // ALERTS are written once the group's `for` state has been restored (after its second evaluation), as Prometheus.
    const alertsSeries = await waitFor(async () => written.flatMap((w) => w.series).find((s) => s.labels.__name__ === 'ALERTS' && s.labels.alertname === 'HighErrorLogRate'));
    expect(alertsSeries.labels.alertstate).toBe('pending');
    expect(ruler?.rulers.tenants()).toEqual(['team-a']);
    // With a query worker, the rules were evaluated there.
    const pooled = pooledQueries(await loki.metrics());
    if (workers > 0) expect(pooled).toBeGreaterThan(0);
    else expect(pooled).toBeNaN();
  });
});
