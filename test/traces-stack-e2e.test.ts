import { writeFileSync } from 'node:fs';
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
import { body as threeServiceTrace } from './helpers/three-service-trace.js';

/** The OTLP paths of all three signals through the real `sightline --target all` process. */
describe('OTLP into the single-process stack', () => {
  let s: SpawnedSightline;
  let ports: Record<string, number>;
  const url = (name: string, path: string) => `http://127.0.0.1:${ports[name]}${path}`;
  const promql = async (q: string) =>
    ((await (await fetch(url('prometheus', `/api/v1/query?query=${encodeURIComponent(q)}`))).json()) as {
      status: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    }).data.result;

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
        'logs: { listen_address: 127.0.0.1:0 }',
        'mimir: { listen_address: 127.0.0.1:0 }',
        'traces:',
        '  listen_address: 127.0.0.1:0',
        '  zipkin: { enabled: false }',
        '  jaeger: { enabled: false }',
        '  metrics_generator: { collection_interval: 200ms }',
        '  compactor: { compaction_cycle: 200ms }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    ports = await startedPorts(s, 40_000);
  }, 60_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('OTLP metrics from the SDK exporter answer PromQL, with target_info', async () => {
    const exporter = new OTLPMetricExporter({ url: url('otlp_http', '/v1/metrics') });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'cart', 'service.instance.id': 'c-1', 'deployment.environment': 'prod' }), readers: [reader] });
    const meter = provider.getMeter('e2e');
    meter.createCounter('cart_items_added', { unit: '1' }).add(3, { sku: 'a' });
    meter.createHistogram('request_duration', { unit: 's' }).record(0.3, { route: '/cart' });
    await reader.forceFlush();
    await provider.shutdown();
    const added = await promql('cart_items_added_total{job="cart",instance="c-1"}');
    expect(added.map((r) => [r.metric.sku, r.value[1]])).toEqual([['a', '3']]);
    const count = await promql('request_duration_seconds_count{job="cart"}');
    expect(count.map((r) => r.value[1])).toEqual(['1']);
    const info = await promql('target_info{job="cart"}');
    expect(info[0]?.metric.deployment_environment).toBe('prod');
  });

  it('OTLP logs from the SDK exporter answer LogQL', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'payments' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: url('otlp_http', '/v1/logs') }) })],
    });
    const logger = provider.getLogger('e2e');
    logger.emit({ body: 'card declined for order o-9', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', attributes: { 'order.id': 'o-9' } });
    logger.emit({ body: 'card accepted for order o-10', severityNumber: SeverityNumber.INFO, severityText: 'INFO' });
    await provider.forceFlush();
    await provider.shutdown();
    const q = encodeURIComponent('{service_name="payments"} |= "declined"');
    const r = (await (await fetch(url('loki', `/loki/api/v1/query_range?query=${q}&limit=10`))).json()) as {
      data: { result: { stream: Record<string, string>; values: [string, string][] }[] };
    };
    expect(r.data.result.flatMap((x) => x.values.map((v) => v[1]))).toEqual(['card declined for order o-9']);
    const c = encodeURIComponent('sum(count_over_time({service_name="payments"}[5m]))');
    const m = (await (await fetch(url('loki', `/loki/api/v1/query?query=${c}`))).json()) as { data: { result: { value: [number, string] }[] } };
    expect(m.data.result[0].value[1]).toBe('2');
  });

  it('SDK traces over gRPC come back by ID from the Tempo API', async () => {
    const p = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'e2e-grpc' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: url('otlp_grpc', '') }))],
    });
    const span = p.getTracer('e2e').startSpan('GET /e2e');
    span.end();
    await p.forceFlush();
    await p.shutdown();
    const id = span.spanContext().traceId;
    const r = await fetch(url('tempo', `/api/traces/${id}`));
    expect(r.status).toBe(200);
    expect(JSON.stringify(await r.json())).toContain('GET /e2e');
  });

  it("the three-service trace's span metrics and service graph answer PromQL from the metrics store", async () => {
    const r = await fetch(url('otlp_http', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(threeServiceTrace) });
    expect(r.status).toBe(200);
    const edges = await waitFor(async () => {
      const res = await promql('traces_service_graph_request_total');
      return res.length === 2 ? res : undefined;
    }, 15_000, 'service graph series via PromQL');
    expect(edges.map((e) => [e.metric.client, e.metric.server, e.value[1]]).sort()).toEqual([
      ['client', 'frontend', '1'],
      ['frontend', 'backend', '1'],
    ]);
    const failed = await promql('traces_service_graph_request_failed_total');
    expect(failed.map((e) => [e.metric.client, e.metric.server, e.value[1]]).sort()).toEqual([
      ['client', 'frontend', '1'],
      ['frontend', 'backend', '1'],
    ]);
    const calls = await promql('sum by (service) (traces_spanmetrics_calls_total{service=~"client|frontend|backend"})');
    expect(Object.fromEntries(calls.map((c) => [c.metric.service, c.value[1]]))).toEqual({ client: '1', frontend: '4', backend: '2' });
    const errors = await promql('traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}');
    expect(errors.map((e) => `${e.metric.service} ${e.metric.span_name}`).sort()).toEqual(['backend POST /charge', 'frontend GET /checkout']);
    const p = await promql('histogram_quantile(1, sum by (le) (traces_spanmetrics_latency_bucket{service="backend",span_name="POST /charge"}))');
    expect(Number(p[0].value[1])).toBeCloseTo(0.512);
  });

  it('compacts a trace split across two flushed blocks into one block; search then sees it whole', async () => {
    const traceId = '7a0f0000000000000000000000000001';
    const now = BigInt(Date.now()) * 1_000_000n;
    const part = (service: string, span: object) => ({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: [span] }] }],
    });
    const post = (b: object) => fetch(url('otlp_http', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    const blocks = async () => {
      const text = await (await fetch(url('tempo', '/metrics'))).text();
      const m = /^tempodb_blocklist_length\{tenant="single-tenant"\} (\d+)/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const search = async () =>
      ((await (await fetch(url('tempo', `/api/search?q=${encodeURIComponent('{ resource.service.name = "split-child" }')}`))).json()) as {
        traces: { traceID: string; rootServiceName: string; spanSets: { matched: number }[] }[];
      }).traces;

    expect((await post(part('split-root', { traceId, spanId: '00000000000000a1', name: 'root op', kind: 2, startTimeUnixNano: String(now - 9_000_000n), endTimeUnixNano: String(now) }))).status).toBe(200);
    expect((await fetch(url('tempo', '/flush'))).status).toBeLessThan(300);
    expect((await post(part('split-child', { traceId, spanId: '00000000000000a2', parentSpanId: '00000000000000a1', name: 'child op', kind: 3, startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now - 1_000_000n) }))).status).toBe(200);
    expect((await fetch(url('tempo', '/flush'))).status).toBeLessThan(300);

    await waitFor(async () => ((await blocks()) === 1 ? true : undefined), 15_000, 'blocks compacted into one');
    const found = await search();
    expect(found.map((t) => [t.traceID, t.rootServiceName])).toEqual([[traceId, 'split-root']]);
    const byId = JSON.stringify(await (await fetch(url('tempo', `/api/traces/${traceId}`))).json());
    expect(byId).toContain('root op');
    expect(byId).toContain('child op');
  });
});
