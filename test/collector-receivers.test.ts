import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../src/collector/index.js';
import { sightlineConfigSchema } from '../src/config/index.js';
import { anyValueToJs, bytesToHex, decodeMetricsRequest, decodeTracesRequest, type ExportMetricsServiceRequest, type ExportTraceServiceRequest } from '../src/otlp/index.js';
import { createSelfMetricsRegistry, silentLogger, type Component } from '../src/server/index.js';
import { spawnSightline, tempDir, waitFor } from './helpers/process.js';

/** An OTLP/HTTP backend keeping every request it receives, decoded. */
async function startSink(): Promise<{ url: string; traces: ExportTraceServiceRequest[]; metrics: ExportMetricsServiceRequest[]; close(): void }> {
  const traces: ExportTraceServiceRequest[] = [];
  const metrics: ExportMetricsServiceRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.url === '/v1/traces') traces.push(decodeTracesRequest(body));
      if (req.url === '/v1/metrics') metrics.push(decodeMetricsRequest(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, traces, metrics, close: () => server.close() };
}

describe('collector receivers: zipkin and prometheus (Sightline adapters and scrape manager) into pipelines', () => {
  let sink: Awaited<ReturnType<typeof startSink>>;
  let target: http.Server;
  let collector: Component;
  const dir = tempDir('sightline-collector-recv-');

  beforeAll(async () => {
    sink = await startSink();
    target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE orders_total counter\norders_total{shop="eu"} 42\n# TYPE queue_depth gauge\nqueue_depth 7\n'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;
    const file = join(dir, 'otelcol.yaml');
    writeFileSync(
      file,
      `
receivers:
  zipkin: { endpoint: 127.0.0.1:0 }
  prometheus:
    config:
      global: { scrape_interval: 1s }
      scrape_configs:
        - job_name: shop
          static_configs: [{ targets: ["127.0.0.1:${targetPort}"] }]
exporters:
  otlphttp: { endpoint: "${sink.url}", compression: none }
service:
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines:
    traces: { receivers: [zipkin], exporters: [otlphttp] }
    metrics: { receivers: [prometheus], exporters: [otlphttp] }
`,
    );
    collector = await startCollector({ config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() }, { configFile: file });
  });

  afterAll(async () => {
    await collector?.stop();
    sink?.close();
    target?.close();
  });

  it('zipkin v2 JSON spans reach the exporter as OTLP', async () => {
    const span = { traceId: '5af7183fb1d4cf5f', id: '6b221d5bc9e6496c', name: 'get /api', timestamp: Date.now() * 1000, duration: 2000, kind: 'SERVER', localEndpoint: { serviceName: 'frontend' }, tags: { 'http.method': 'GET' } };
    const r = await fetch(`http://127.0.0.1:${collector.ports.otelcol_zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([span]) });
    expect(r.status).toBe(202);
    const got = await waitFor(() => sink.traces.flatMap((t) => t.resourceSpans ?? []).find((rs) => rs.scopeSpans?.[0]?.spans?.some((s) => bytesToHex(s.spanId) === span.id)), 10_000, 'the zipkin span');
    expect(got.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue).toBe('frontend');
  });

  it('prometheus scrapes become OTLP metrics: counters as monotonic sums, job/instance as the resource', async () => {
    const req = await waitFor(() => sink.metrics.find((m) => m.resourceMetrics?.some((rm) => rm.scopeMetrics?.[0]?.metrics?.some((x) => x.name === 'orders_total'))), 15_000, 'a scrape');
    const rm = req.resourceMetrics![0];
    const res = Object.fromEntries((rm.resource?.attributes ?? []).map((a) => [a.key, anyValueToJs(a.value)]));
    expect(res['service.name']).toBe('shop');
    expect(String(res['service.instance.id'])).toMatch(/^127\.0\.0\.1:\d+$/);
    const byName = new Map(rm.scopeMetrics![0].metrics!.map((m) => [m.name, m]));
    const orders = byName.get('orders_total')!;
    expect(orders.sum?.isMonotonic).toBe(true);
    expect(orders.sum?.dataPoints?.[0].asDouble).toBe(42);
    expect(orders.sum?.dataPoints?.[0].attributes?.map((a) => [a.key, a.value?.stringValue])).toEqual([['shop', 'eu']]);
    expect(byName.get('queue_depth')?.gauge?.dataPoints?.[0].asDouble).toBe(7);
    expect(byName.get('up')?.gauge?.dataPoints?.[0].asDouble).toBe(1);
  });

  it('sightline --target collector refuses an invalid pipeline at start, naming the YAML path', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'receivers: { otlp: { protocols: { http: {} } } }\nexporters: { debug: {} }\nservice: { pipelines: { traces: { receivers: [otlp], processors: [batch], exporters: [debug] } } }\n');
    const s = spawnSightline(['--target', 'collector', '--otelcol.config', file, '--data-dir', join(dir, 'bad')]);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain(`invalid configuration: ${file}: service.pipelines.traces.processors[0]: references processor "batch" which is not configured`);
  }, 30_000);
});
