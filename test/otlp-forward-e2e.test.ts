import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

/** `sightline --target otlp` alone, forwarding each signal to another Sightline's stores as the Collector would. */
describe('OTLP receivers forwarding to remote stores', () => {
  let stores: SpawnedSightline;
  let receivers: SpawnedSightline;
  let unconfigured: SpawnedSightline;
  let sp: Record<string, number>;
  let rp: Record<string, number>;
  let up: Record<string, number>;
  const at = (ports: Record<string, number>, name: string, path: string) => `http://127.0.0.1:${ports[name]}${path}`;

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'stores.yaml'),
      [
        'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
        'logs: { listen_address: 127.0.0.1:0 }',
        'mimir: { listen_address: 127.0.0.1:0 }',
        'traces: { listen_address: 127.0.0.1:0, zipkin: { enabled: false }, jaeger: { enabled: false } }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        '',
      ].join('\n'),
    );
    stores = spawnSightline(['--config.file', join(dir, 'stores.yaml'), '--data-dir', join(dir, 'stores')]);
    sp = await startedPorts(stores, 40_000);
    writeFileSync(
      join(dir, 'receivers.yaml'),
      [
        'otlp:',
        '  grpc_listen_address: 127.0.0.1:0',
        '  http_listen_address: 127.0.0.1:0',
        '  exporters:',
        `    traces: { url: "${at(sp, 'otlp_http', '/v1/traces')}" }`,
        `    metrics: { url: "${at(sp, 'prometheus', '/api/v1/write')}" }`,
        `    logs: { url: "${at(sp, 'loki', '/loki/api/v1/push')}", headers: { X-Forwarded-By: sightline-otlp } }`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'bare.yaml'), 'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }\n');
    receivers = spawnSightline(['--config.file', join(dir, 'receivers.yaml'), '--data-dir', join(dir, 'receivers'), '--target', 'otlp']);
    unconfigured = spawnSightline(['--config.file', join(dir, 'bare.yaml'), '--data-dir', join(dir, 'bare'), '--target', 'otlp']);
    [rp, up] = await Promise.all([startedPorts(receivers, 40_000), startedPorts(unconfigured, 40_000)]);
  }, 90_000);

  afterAll(async () => {
    for (const p of [receivers, unconfigured, stores]) p?.child.kill('SIGTERM');
    await Promise.all([receivers?.exited, unconfigured?.exited, stores?.exited]);
  });

  it('forwards traces (OTLP/HTTP), metrics (remote write) and logs (Loki push) from the SDK exporters', async () => {
    const tp = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'fwd' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: at(rp, 'otlp_http', '/v1/traces') }))],
    });
    const span = tp.getTracer('fwd').startSpan('GET /forwarded');
    span.end();
    await tp.forceFlush();
    await tp.shutdown();
    const tr = await fetch(at(sp, 'tempo', `/api/traces/${span.spanContext().traceId}`));
    expect(tr.status).toBe(200);
    expect(JSON.stringify(await tr.json())).toContain('GET /forwarded');

    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: at(rp, 'otlp_http', '/v1/metrics') }), exportIntervalMillis: 60_000 });
    const mp = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'fwd', 'service.instance.id': 'f-1' }), readers: [reader] });
    mp.getMeter('fwd').createCounter('forwarded_things').add(7, { kind: 'x' });
    await reader.forceFlush();
    await mp.shutdown();
    const q = (await (await fetch(at(sp, 'prometheus', `/api/v1/query?query=${encodeURIComponent('forwarded_things_total{job="fwd"}')}`))).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    expect(q.data.result.map((r) => [r.metric.instance, r.metric.kind, r.value[1]])).toEqual([['f-1', 'x', '7']]);

    const lp = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'fwd' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: at(rp, 'otlp_http', '/v1/logs') }) })],
    });
    lp.getLogger('fwd').emit({ body: 'forwarded line', severityNumber: SeverityNumber.WARN, severityText: 'WARN', attributes: { 'order.id': 'o-1' } });
    await lp.forceFlush();
    await lp.shutdown();
    const l = (await (await fetch(at(sp, 'loki', `/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="fwd"} | order_id="o-1"')}&limit=10`))).json()) as {
      data: { result: { stream: Record<string, string>; values: [string, string][] }[] };
    };
    expect(l.data.result.flatMap((s) => s.values.map((v) => v[1]))).toEqual(['forwarded line']);
  });

  it('without exporters, --target otlp still refuses each signal with 503', async () => {
    for (const path of ['/v1/traces', '/v1/metrics', '/v1/logs']) {
      const body = path === '/v1/traces' ? { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] }
        : path === '/v1/metrics' ? { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: String(Date.now() * 1e6) }] } }] }] }] }
        : { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(Date.now() * 1e6), body: { stringValue: 'x' } }] }] }] };
      const r = await fetch(at(up, 'otlp_http', path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status, path).toBe(503);
    }
  });
});
