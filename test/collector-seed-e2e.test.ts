import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/** Pods the loopback Kubernetes API lists: the SDK apps connect from 127.0.0.1, so the first one is "theirs". */
const PODS = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '100' },
  items: [
    {
      metadata: { name: 'cart-7d9f8-abcde', namespace: 'shop', uid: 'uid-cart-1', labels: { app: 'cart' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'cart-7d9f8', controller: true }] },
      spec: { nodeName: 'node-a' },
      status: { podIP: '127.0.0.1', startTime: '2026-12-05T10:00:00Z' },
    },
    {
      metadata: { name: 'other-0', namespace: 'misc', uid: 'uid-other-0', ownerReferences: [{ kind: 'StatefulSet', name: 'other', controller: true }] },
      spec: { nodeName: 'node-b' },
      status: { podIP: '10.9.9.9' },
    },
  ],
};

async function startKubeApi(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== '/api/v1/pods') {
      res.writeHead(404).end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200);
      res.write('');
      return;
    }
    res.end(JSON.stringify(PODS));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

/** The seed's otel-collector.yaml with its endpoints pointed at loopback (the only change). */
function seedForLoopback(stores: Record<string, number>): string {
  return readFileSync('/work/shared/seed/otel-collector.yaml', 'utf8')
    .replace('0.0.0.0:4317', '127.0.0.1:0')
    .replace('0.0.0.0:4318', '127.0.0.1:0')
    .replace('tempo.monitoring.svc.cluster.local:4317', `127.0.0.1:${stores.otlp_grpc}`)
    .replace('http://mimir.monitoring.svc.cluster.local:8080/api/v1/push', `http://127.0.0.1:${stores.mimir}/api/v1/push`)
    .replace('http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push', `http://127.0.0.1:${stores.loki}/loki/api/v1/push`)
    .replace('auth_type: serviceAccount', 'auth_type: none');
}

describe('the seed pipeline in separate processes: SDK apps → sightline --target collector → Tempo, Mimir and Loki roles', () => {
  let stores: SpawnedSightline;
  let collector: SpawnedSightline;
  let sp: Record<string, number>;
  let cp: Record<string, number>;
  let kube: Awaited<ReturnType<typeof startKubeApi>>;
  const at = (ports: Record<string, number>, name: string, path: string) => `http://127.0.0.1:${ports[name]}${path}`;

  beforeAll(async () => {
    const dir = tempDir('sightline-collector-seed-');
    kube = await startKubeApi();
    writeFileSync(
      join(dir, 'stores.yaml'),
      [
        'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
        'logs: { listen_address: 127.0.0.1:0 }',
        'mimir: { listen_address: 127.0.0.1:0 }',
        'traces: { listen_address: 127.0.0.1:0, zipkin: { enabled: false }, jaeger: { enabled: false } }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        '',
      ].join('\n'),
    );
    stores = spawnSightline(['--config.file', join(dir, 'stores.yaml'), '--data-dir', join(dir, 'stores')]);
    sp = await startedPorts(stores, 40_000);
    // Loopback listeners for the health check and the collector's own metrics (defaults: 13133, 8888).
    const withLoopbackListeners = seedForLoopback(sp).replace('service:\n', 'extensions:\n  health_check:\n    endpoint: 127.0.0.1:0\nservice:\n  telemetry:\n    metrics:\n      address: 127.0.0.1:0\n');
    writeFileSync(join(dir, 'otel-collector.yaml'), withLoopbackListeners);
    collector = spawnSightline(['--target', 'collector', '--otelcol.config', join(dir, 'otel-collector.yaml'), '--data-dir', join(dir, 'collector')], {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(kube.port),
    });
    cp = await startedPorts(collector, 40_000);
  }, 90_000);

  afterAll(async () => {
    for (const p of [collector, stores]) p?.child.kill('SIGTERM');
    await Promise.all([collector?.exited, stores?.exited]);
    await kube?.close();
  });

  it('every span and log record arrives with the k8s.* attributes k8sattributes added from the Kubernetes API; every point arrives', async () => {
    expect(Object.keys(cp).sort()).toEqual(['otelcol_health_check', 'otelcol_metrics', 'otelcol_otlp_grpc', 'otelcol_otlp_http']);
    expect((await fetch(at(cp, 'otelcol_health_check', '/'))).status).toBe(200);

    const tp = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'cart' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${cp.otelcol_otlp_grpc}` }))],
    });
    const spans = [0, 1, 2].map((i) => {
      const s = tp.getTracer('cart').startSpan(`GET /cart/${i}`);
      s.end();
      return s;
    });
    await tp.forceFlush();
    await tp.shutdown();

    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: at(cp, 'otelcol_otlp_http', '/v1/metrics') }), exportIntervalMillis: 60_000 });
    const mp = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'cart', 'service.instance.id': 'c-1' }), readers: [reader] });
    mp.getMeter('cart').createCounter('carts_checked_out').add(5, { region: 'eu' });
    await reader.forceFlush();
    await mp.shutdown();

    const lp = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'cart' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: at(cp, 'otelcol_otlp_http', '/v1/logs') }) })],
    });
    lp.getLogger('cart').emit({ body: 'cart checked out', severityNumber: SeverityNumber.INFO, severityText: 'INFO' });
    await lp.forceFlush();
    await lp.shutdown();

    // Traces: the batch processor sends after its 5 s timeout.
    for (const s of spans) {
      const body = await waitFor(
        async () => {
          const r = await fetch(at(sp, 'tempo', `/api/v2/traces/${s.spanContext().traceId}`));
          return r.status === 200 ? JSON.stringify(await r.json()) : undefined;
        },
        20_000,
        'trace in Tempo',
      );
      for (const want of ['"k8s.pod.name"', 'cart-7d9f8-abcde', '"k8s.namespace.name"', '"shop"', '"k8s.deployment.name"', '"cart"', '"k8s.node.name"', 'node-a'])
        expect(body).toContain(want);
    }
    // Metrics: remote write into the Mimir role. The seed's metrics pipeline has no k8sattributes (only
    // memory_limiter and batch), so points carry the SDK's resource only: job/instance from service.*.
    const v = await waitFor(
      async () => {
        const q = (await (await fetch(at(sp, 'mimir', `/prometheus/api/v1/query?query=${encodeURIComponent('carts_checked_out_total{job="cart"}')}`))).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return q.data.result.length > 0 ? q : undefined;
      },
      20_000,
      'the counter in Mimir',
    );
    expect(v.data.result.map((r) => [r.metric.instance, r.metric.region, r.value[1]])).toEqual([['c-1', 'eu', '5']]);
    // Logs: the loki exporter's labels, the k8s.* attributes in the JSON line.
    const lines = await waitFor(
      async () => {
        const l = (await (await fetch(at(sp, 'loki', `/loki/api/v1/query_range?query=${encodeURIComponent('{exporter="OTLP", job="cart"}')}&limit=10`))).json()) as { data: { result: { values: [string, string][] }[] } };
        const vs = l.data.result.flatMap((s) => s.values.map((x) => JSON.parse(x[1]) as { body: string; resources: Record<string, string> }));
        return vs.length > 0 ? vs : undefined;
      },
      20_000,
      'log line in Loki',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0].body).toBe('cart checked out');
    expect(lines[0].resources).toMatchObject({ 'k8s.pod.name': 'cart-7d9f8-abcde', 'k8s.namespace.name': 'shop', 'k8s.deployment.name': 'cart', 'k8s.node.name': 'node-a' });

    // The collector's own metrics, with the Collector's names.
    const self = await (await fetch(at(cp, 'otelcol_metrics', '/metrics'))).text();
    expect(self).toMatch(/otelcol_receiver_accepted_spans\{receiver="otlp",transport="grpc"\} 3/);
    expect(self).toMatch(/otelcol_exporter_sent_spans\{exporter="otlp\/tempo"\} 3/);
    expect(self).toMatch(/otelcol_exporter_sent_log_records\{exporter="loki"\} 1/);
    expect(self).toMatch(/otelcol_exporter_sent_metric_points\{exporter="prometheusremotewrite"\} [1-9]/);
    expect(self).toMatch(/otelcol_processor_batch_batch_send_size_count\{processor="batch"\} [1-9]/);
  }, 60_000);
});
