import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../src/model/index.js';
import { RemoteWriteError, RemoteWriteTarget } from '../src/otlp/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';
import { body } from './helpers/three-service-trace.js';
import { tempDir, waitFor } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

const have = prometheusAvailable();

describe.runIf(have)('metrics generator remote-writes to a real Prometheus when no metrics store runs here', () => {
  let prom: PrometheusPeer;
  let stack: TracesStack;
  let proxy: Server;
  let proxyUrl = '';
  let failuresLeft = 0;
  let refuse = false;
  const seenHeaders: Record<string, string | string[] | undefined>[] = [];

  beforeAll(async () => {
    prom = await startPrometheus(tempDir('sightline-rw-prom-'), 'global: { scrape_interval: 1h }\n');
    // A pass-through in front of Prometheus that can answer 503 a few times, to exercise retries.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seenHeaders.push(req.headers);
        if (refuse) {
          res.writeHead(400).end('out of order sample');
          return;
        }
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(503).end('try later');
          return;
        }
        void fetch(`${prom.url}/api/v1/write`, { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) }).then(
          async (r) => res.writeHead(r.status).end(await r.text()),
          (e: Error) => res.writeHead(502).end(e.message),
        );
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const a = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/api/v1/write`;
    stack = await startTracesStack({
      config: { traces: { metrics_generator: { collection_interval: '200ms', remote_write: { url: proxyUrl, headers: { 'X-Scope-OrgID': 'gen' } } } } },
    });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await new Promise((r) => proxy?.close(r));
    await prom?.stop();
  });

  it('span-metrics and service-graph series arrive in Prometheus and answer PromQL', async () => {
    const r = await fetch(`${stack.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    const edges = await waitFor(async () => {
      const res = await prom.query('traces_service_graph_request_total');
      return res.length === 2 ? res : undefined;
    }, 15_000, 'service graph series in Prometheus');
    expect(edges.map((e) => [e.metric.client, e.metric.server, e.value![1]]).sort()).toEqual([
      ['client', 'frontend', '1'],
      ['frontend', 'backend', '1'],
    ]);
    const calls = await prom.query('sum by (service) (traces_spanmetrics_calls_total)');
    expect(Object.fromEntries(calls.map((c) => [c.metric.service, c.value![1]]))).toEqual({ client: '1', frontend: '4', backend: '2' });
    const q = await prom.query('histogram_quantile(1, sum by (le) (traces_spanmetrics_latency_bucket{service="backend",span_name="POST /charge"}))');
    expect(Number(q[0].value![1])).toBeCloseTo(0.512);
    const h = seenHeaders[seenHeaders.length - 1];
    expect(h['content-encoding']).toBe('snappy');
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h['x-scope-orgid']).toBe('gen');
  });

  it('retries 503 answers and gives up on a 4xx without retrying', async () => {
    const target = new RemoteWriteTarget({ url: proxyUrl, maxRetries: 3, backoffMs: 10 });
    failuresLeft = 2;
    const before = seenHeaders.length;
    const app = target.appender();
    const now = Date.now();
    app.append(0, Labels.fromObject({ __name__: 'rw_retry_probe', job: 'x' }), now, 42);
    await app.commit();
    expect(seenHeaders.length - before).toBeGreaterThanOrEqual(3);
    expect(failuresLeft).toBe(0);
    const got = await prom.query('rw_retry_probe');
    expect(got.map((g) => g.value![1])).toEqual(['42']);

    // A 400 is final: one attempt, no retry.
    refuse = true;
    const before2 = seenHeaders.length;
    const app2 = target.appender();
    app2.append(0, Labels.fromObject({ __name__: 'rw_retry_probe', job: 'x' }), now + 1, 43);
    try {
      await expect(app2.commit()).rejects.toThrow(RemoteWriteError);
    } finally {
      refuse = false;
    }
    expect(seenHeaders.length - before2).toBe(1);
    await expect(
      (async () => {
        const a = new RemoteWriteTarget({ url: 'http://127.0.0.1:1/api/v1/write', maxRetries: 1, backoffMs: 10 }).appender();
        a.append(0, Labels.fromObject({ __name__: 'x' }), now, 1);
        await a.commit();
      })(),
    ).rejects.toThrow(/failed after 2 attempts/);
  });
});
