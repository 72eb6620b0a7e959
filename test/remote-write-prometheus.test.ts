import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRemoteWriteReceiver } from '../src/metrics/remote/receiver/index.js';
import { Matcher } from '../src/model/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { tempDir, waitFor } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

// A real Prometheus scrapes a loopback target and remote-writes to our receiver; what we stored must equal what
// Prometheus's own API answers for the same series at the same timestamps.
describe.runIf(prometheusAvailable())('real Prometheus remote-writing to the receiver', () => {
  const store = new MemoryStorage();
  let app: FastifyInstance;
  let target: Server;
  let prom: PrometheusPeer;
  let scrapes = 0;

  beforeAll(async () => {
    const registry = createSelfMetricsRegistry();
    app = createHttpServer({ name: 'mimir', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
    registerRemoteWriteReceiver(app, '/api/v1/push', { appendable: () => store, tenancy: { multiTenant: false, defaultTenant: 'anonymous' }, registry });
    const port = await listen(app, '127.0.0.1:0');
    target = createServer((_req, res) => {
      scrapes++;
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(
        `# HELP demo_requests_total Requests.\n# TYPE demo_requests_total counter\n` +
          `demo_requests_total{code="200"} ${scrapes * 10}\ndemo_requests_total{code="500"} ${scrapes}\n` +
          `# TYPE demo_temperature gauge\ndemo_temperature ${20 + (scrapes % 7) / 4}\n`,
      );
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const tport = (target.address() as { port: number }).port;
    prom = await startPrometheus(
      tempDir('prom-rw-'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n` +
        `scrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['127.0.0.1:${tport}']\n` +
        `remote_write:\n  - url: http://127.0.0.1:${port}/api/v1/push\n    queue_config:\n      batch_send_deadline: 500ms\n      min_backoff: 100ms\n      max_backoff: 1s\n    metadata_config:\n      send_interval: 1s\n`,
    );
  });

  afterAll(async () => {
    await prom?.stop();
    await app?.close();
    target?.close();
  });

  async function ours(name: string) {
    const q = await store.querier(0, Number.MAX_SAFE_INTEGER);
    const series = await q.select([new Matcher('=', '__name__', name)], { start: 0, end: Number.MAX_SAFE_INTEGER }, true);
    return series.map((s) => {
      const b = s.samples(0, Number.MAX_SAFE_INTEGER);
      return { labels: s.labels.toObject(), t: Array.from(b.t.subarray(0, b.length)), v: Array.from(b.v.subarray(0, b.length)) };
    });
  }

  it('stores exactly what Prometheus scraped', async () => {
    await waitFor(async () => (await ours('demo_requests_total')).every((s) => s.t.length >= 4) && (await ours('demo_requests_total')).length === 2, 30_000, 'remote-written samples');
    for (const name of ['demo_requests_total', 'demo_temperature', 'up']) {
      const mine = await ours(name);
      expect(mine.length, name).toBeGreaterThan(0);
      for (const s of mine) {
        expect(s.labels.job).toBe('demo');
        for (let i = 0; i < s.t.length; i++) {
          const sel = `${name}{${Object.entries(s.labels)
            .filter(([k]) => k !== '__name__')
            .map(([k, v]) => `${k}="${v}"`)
            .join(',')}}`;
          const res = await prom.query(sel, s.t[i]);
          expect(res, `${sel} @ ${s.t[i]}`).toHaveLength(1);
          expect(Number(res[0].value![1]), `${sel} @ ${s.t[i]}`).toBe(s.v[i]);
        }
      }
    }
  });
});
