import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/** The whole single-process stack (`--target all`): each pillar's ingest path and query API, and OTLP routing between them. */
describe('single-process stack', () => {
  let s: SpawnedSightline;
  let ports: Record<string, number>;
  const url = (name: string, path: string) => `http://127.0.0.1:${ports[name]}${path}`;

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
        '  zipkin: { listen_address: 127.0.0.1:0 }',
        '  jaeger: { listen_address: 127.0.0.1:0 }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        'alertmanager: { listen_address: 127.0.0.1:0 }',
        'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    ports = await startedPorts(s, 40_000);
  });

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('routes OTLP metrics from the SDK into the metrics store, queryable with PromQL', async () => {
    const exporter = new OTLPMetricExporter({ url: url('otlp_http', '/v1/metrics') });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'i-1' }), readers: [reader] });
    provider.getMeter('test').createCounter('orders', { description: 'Orders placed' }).add(5, { region: 'eu' });
    await reader.forceFlush();
    await provider.shutdown();
    const r = (await (await fetch(url('prometheus', `/api/v1/query?query=${encodeURIComponent('orders_total{job="checkout"}')}`))).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    expect(r.data.result).toHaveLength(1);
    expect(r.data.result[0].metric).toMatchObject({ job: 'checkout', instance: 'i-1', region: 'eu' });
    expect(r.data.result[0].value[1]).toBe('5');
  });

  it('stores OTLP/JSON traces and returns them from the Tempo API', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'frontend' } }] },
          scopeSpans: [
            { spans: [{ traceId, spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now) }] },
          ],
        },
      ],
    };
    const res = await fetch(url('otlp_http', '/v1/traces'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const got = await waitFor(async () => {
      const r = await fetch(url('tempo', `/api/traces/${traceId}`));
      return r.status === 200 ? ((await r.json()) as { batches?: unknown[]; resourceSpans?: unknown[] }) : undefined;
    }, 10_000, 'trace by ID');
    expect(JSON.stringify(got)).toContain('GET /cart');
  });

  it('accepts a Loki push and answers LogQL', async () => {
    const ts = String(BigInt(Date.now()) * 1_000_000n);
    const push = await fetch(url('loki', '/loki/api/v1/push'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'shop', level: 'error' }, values: [[ts, 'payment failed trace_id=abc']] }] }),
    });
    expect(push.status).toBe(204);
    const q = encodeURIComponent('{app="shop"} |= "payment"');
    const r = (await (await fetch(url('loki', `/loki/api/v1/query_range?query=${q}&limit=10`))).json()) as {
      data: { resultType: string; result: { stream: Record<string, string>; values: [string, string][] }[] };
    };
    expect(r.data.resultType).toBe('streams');
    expect(r.data.result[0].values[0]).toEqual([ts, 'payment failed trace_id=abc']);
  });

  it('routes OTLP logs into the log store, with service.name as a stream label', async () => {
    const ts = String(BigInt(Date.now()) * 1_000_000n);
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'billing' } }] },
          scopeLogs: [{ logRecords: [{ timeUnixNano: ts, severityText: 'ERROR', body: { stringValue: 'card declined' }, traceId: '5b8efff798038103d269b633813fc60c' }] }],
        },
      ],
    };
    const res = await fetch(url('otlp_http', '/v1/logs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const q = encodeURIComponent('{service_name="billing"}');
    const r = (await (await fetch(url('loki', `/loki/api/v1/query_range?query=${q}&limit=10`))).json()) as {
      data: { result: { stream: Record<string, string>; values: [string, string][] }[] };
    };
    expect(r.data.result).toHaveLength(1);
    expect(r.data.result[0].values[0]).toEqual([ts, 'card declined']);
  });
});
