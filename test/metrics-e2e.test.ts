import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/** The single-process stack end to end: a prom-client app scraped every second, queried through the HTTP API. */

interface ApiResponse {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  errorType?: string;
  error?: string;
}

async function startApp(): Promise<{ server: Server; port: number; requests: Counter; temp: Gauge }> {
  const registry = new Registry();
  const requests = new Counter({ name: 'app_requests_total', help: 'Requests handled.', labelNames: ['code'], registers: [registry] });
  const temp = new Gauge({ name: 'app_temperature_celsius', help: 'Temperature.', registers: [registry] });
  requests.inc({ code: '200' }, 7);
  requests.inc({ code: '500' }, 2);
  temp.set(21.5);
  const server = createServer((req, res) => {
    void registry.metrics().then((body) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, requests, temp };
}

describe('metrics: scrape to query through the single process', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let s: SpawnedSightline;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    app = await startApp();
    dir = tempDir();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n- job_name: app\n  static_configs:\n  - targets: ['127.0.0.1:${app.port}']\n    labels:\n      env: test\n`,
    );
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics:\n  listen_address: 127.0.0.1:0\n  self_scrape_interval: 1s\n  query:\n    max_samples: 100000\nmimir:\n  listen_address: 127.0.0.1:0\nlogs:\n  listen_address: 127.0.0.1:0\ntraces:\n  listen_address: 127.0.0.1:0\n  zipkin: { listen_address: 127.0.0.1:0 }\n  jaeger: { listen_address: 127.0.0.1:0 }\notlp:\n  grpc_listen_address: 127.0.0.1:0\n  http_listen_address: 127.0.0.1:0\nui:\n  listen_address: 127.0.0.1:0\n  development_mode: true\nalertmanager:\n  listen_address: 127.0.0.1:0\n');
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    const ports = await startedPorts(s);
    base = `http://127.0.0.1:${ports.prometheus}`;
  });

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
    app?.server.close();
  });

  const query = async (q: string): Promise<ApiResponse> => (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json() as Promise<ApiResponse>;

  it('scrapes the app: up is 1 and its metrics are queryable with target labels', async () => {
    const up = await waitFor(async () => {
      const r = await query('up{job="app"}');
      return r.data?.result?.length === 1 && r.data.result[0].value[1] === '1' ? r : undefined;
    }, 20_000, 'up{job="app"} == 1');
    expect(up.data.result[0].metric).toMatchObject({ __name__: 'up', job: 'app', env: 'test', instance: `127.0.0.1:${app.port}` });
    const r = await query('sum by (code) (app_requests_total)');
    expect(r.status).toBe('success');
    const byCode = Object.fromEntries(r.data.result.map((x) => [x.metric.code, Number(x.value[1])]));
    expect(byCode).toEqual({ '200': 7, '500': 2 });
    expect((await query('app_temperature_celsius')).data.result[0].value[1]).toBe('21.5');
  });

  it('scrapes itself', async () => {
    await waitFor(async () => (await query('up{job="sightline"}')).data?.result?.[0]?.value[1] === '1', 20_000, 'self-scrape');
    // Its own TSDB metrics, under Prometheus's names, are scraped too (the first scrape may predate any series).
    await waitFor(async () => (await query('prometheus_tsdb_head_series{job="sightline"} > 0')).data?.result?.length === 1, 20_000, 'head series > 0');
  });

  it('federates the scraped series at /federate', async () => {
    const text = await waitFor(async () => {
      const t = await (await fetch(`${base}/federate?match[]=${encodeURIComponent('app_temperature_celsius')}`)).text();
      return t.includes('app_temperature_celsius{') ? t : undefined;
    }, 20_000, 'federated app_temperature_celsius');
    expect(text).toMatch(new RegExp(`^# TYPE app_temperature_celsius untyped\\napp_temperature_celsius\\{env="test",instance="127\\.0\\.0\\.1:${app.port}",job="app"\\} 21\\.5 \\d+\\n$`));
  });

  it('shows the target in /api/v1/targets', async () => {
    const r = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: Record<string, string>; health: string }[] } };
    const t = r.data.activeTargets.find((x) => x.labels.job === 'app');
    expect(t?.health).toBe('up');
  });

  it('answers bad input with 400 bad_data', async () => {
    const r1 = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('sum(')}`);
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as ApiResponse).errorType).toBe('bad_data');
    expect(((await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent('sum(')}`)).json()) as ApiResponse).error).toMatch(/^invalid parameter "query": 1:5: parse error/);
    // Over --query.max-samples: 422 execution with Prometheus's message; the next query is unaffected.
    const big = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('sum_over_time(vector(1)[10m:1ms])')}`);
    expect(big.status).toBe(422);
    const bigBody = (await big.json()) as ApiResponse;
    expect(bigBody.errorType).toBe('execution');
    expect(bigBody.error).toContain('query processing would load too many samples into memory');
    expect((await query('up{job="app"}')).status).toBe('success');
    const r2 = await fetch(`${base}/api/v1/query?query=up&time=yesterday`);
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as ApiResponse).error).toContain('invalid parameter "time"');
  });

  it('reloads prometheus.yml on POST /-/reload and refuses a bad one, keeping the running config', async () => {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(
      file,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n- job_name: app\n  static_configs:\n  - targets: ['127.0.0.1:${app.port}']\n    labels:\n      env: test\n- job_name: app-copy\n  static_configs:\n  - targets: ['127.0.0.1:${app.port}']\n`,
    );
    expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(200);
    await waitFor(async () => (await query('up{job="app-copy"}')).data?.result?.[0]?.value[1] === '1', 20_000, 'new job scraped');
    writeFileSync(file, 'scrape_configs:\n- job_name: 7\n  bogus: true\n');
    const bad = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('bogus');
    expect((await query('up{job="app"}')).data.result[0].value[1]).toBe('1');
  });

  it('marks the series stale when the target goes away', async () => {
    await new Promise<void>((r) => {
      app.server.closeAllConnections();
      app.server.close(() => r());
    });
    await waitFor(async () => (await query('up{job="app"}')).data?.result?.[0]?.value[1] === '0', 20_000, 'up == 0');
    await waitFor(async () => (await query('app_temperature_celsius')).data?.result?.length === 0, 10_000, 'stale series');
  });
});
