import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { tempDir, waitFor } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

// A real Prometheus scrapes a loopback target and remote-writes to the Mimir role (multi-tenancy off: tenant
// `anonymous` — Debian's Prometheus 2.42 does not send remote_write `headers`, so X-Scope-OrgID cannot be set);
// Sightline's /prometheus/api/v1/query must return the values Prometheus's own API returns at the same timestamps.
describe.runIf(prometheusAvailable())('real Prometheus remote-writing to the Mimir role', () => {
  let mimir: MimirComponent;
  let target: Server;
  let prom: PrometheusPeer;
  let base = '';
  let scrapes = 0;

  beforeAll(async () => {
    const config = sightlineConfigSchema.parse({ mimir: { listen_address: '127.0.0.1:0', compactor: { interval: '0s' } } });
    mimir = await startMimir({ config, dataDir: tempDir('mimir-prom-'), logger: silentLogger(), registry: createSelfMetricsRegistry() });
    base = `http://127.0.0.1:${mimir.ports.mimir}`;
    target = createServer((_req, res) => {
      scrapes++;
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(`# TYPE demo_requests_total counter\ndemo_requests_total{code="200"} ${scrapes * 10}\ndemo_requests_total{code="500"} ${scrapes}\n# TYPE demo_temperature gauge\ndemo_temperature ${20 + (scrapes % 7) / 4}\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const tport = (target.address() as { port: number }).port;
    prom = await startPrometheus(
      tempDir('mimir-prom-peer-'),
      `global:\n  scrape_interval: 1s\n` +
        `scrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['127.0.0.1:${tport}']\n` +
        `remote_write:\n  - url: ${base}/api/v1/push\n    queue_config:\n      batch_send_deadline: 500ms\n      min_backoff: 100ms\n      max_backoff: 1s\n`,
    );
  }, 30_000);

  afterAll(async () => {
    await prom?.stop();
    await mimir?.stop();
    target?.close();
  });

  async function ours(expr: string) {
    const qs = new URLSearchParams({ query: expr, time: String(Date.now() / 1000) });
    const res = await fetch(`${base}/prometheus/api/v1/query?${qs}`, { headers: { 'X-Scope-OrgID': 'ignored-when-single-tenant' } });
    const body = (await res.json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    return body.data.result;
  }

  it('answers with the values Prometheus has', async () => {
    await waitFor(async () => {
      const r = await ours('demo_requests_total[5m]');
      return r.length === 2 && r.every((s) => s.values.length >= 4) ? true : undefined;
    }, 30_000, 'remote-written samples in Mimir');
    for (const name of ['demo_requests_total', 'demo_temperature', 'up']) {
      const mine = await ours(`${name}[5m]`);
      expect(mine.length, name).toBeGreaterThan(0);
      for (const s of mine) {
        expect(s.metric.job).toBe('demo');
        const sel = `${name}{${Object.entries(s.metric)
          .filter(([k]) => k !== '__name__')
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`;
        for (const [t, v] of s.values) {
          const res = await prom.query(sel, Math.round(t * 1000));
          expect(res, `${sel} @ ${t}`).toHaveLength(1);
          expect(res[0].value![1], `${sel} @ ${t}`).toBe(v);
        }
      }
    }
  }, 60_000);
});
