import { describe, expect, it } from 'vitest';
import type { ExportMetricsServiceRequest } from '../../otlp/index.js';
import { silentLogger } from '../../server/index.js';
import { toAnyValue } from '../pipeline/otlp-data.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { PrometheusAccumulator, prometheusExporterFactory } from './prometheus-exporter.js';

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const NOW_NS = 1_700_000_000_000 * 1e6;

function request(latencyDelta: { counts: number[]; count: number; sum: number }, requests = 5, at = NOW_NS): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: kv({ 'service.name': 'cart', 'service.instance.id': 'i-1', 'k8s.pod.name': 'p1' }) },
        scopeMetrics: [
          {
            scope: { name: 'lib', version: '1.0' },
            metrics: [
              { name: 'http.server.requests', unit: '{request}', description: 'Requests.', data: 'sum', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: kv({ 'http.method': 'GET' }), timeUnixNano: at, asInt: requests, value: 'asInt' }] } },
              { name: 'memory.usage', unit: 'By', data: 'gauge', gauge: { dataPoints: [{ timeUnixNano: at, asDouble: 1024, value: 'asDouble' }] } },
              { name: 'latency', unit: 's', data: 'histogram', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: at, explicitBounds: [0.1, 1], bucketCounts: latencyDelta.counts, count: latencyDelta.count, sum: latencyDelta.sum }] } },
              { name: 'queue.delta', data: 'sum', sum: { aggregationTemporality: 1, isMonotonic: false, dataPoints: [{ timeUnixNano: at, asInt: 3, value: 'asInt' }] } },
            ],
          },
        ],
      },
    ],
  };
}

const cfg = (o: object) => prometheusExporterFactory.schema.parse({ endpoint: '127.0.0.1:0', ...o });

describe('prometheus exporter', () => {
  it('serves the received metrics on a scrape endpoint with the Collector naming, namespace, const_labels; delta histograms add up', async () => {
    const env = { logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: '', storage: () => undefined, ports: {} as Record<string, number> };
    const e = prometheusExporterFactory.create('prometheus/app', cfg({ namespace: 'app', const_labels: { env: 'prod' } }), env);
    await e.start?.();
    try {
      await e.consume({ signal: 'metrics', req: request({ counts: [1, 2, 0], count: 3, sum: 1.5 }) }, {});
      await e.consume({ signal: 'metrics', req: request({ counts: [1, 2, 0], count: 3, sum: 1.5 }, 7) }, {});
      const r = await fetch(`http://127.0.0.1:${env.ports.otelcol_prometheus_app}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const base = 'env="prod",instance="i-1",job="cart",otel_scope_name="lib",otel_scope_version="1.0"';
      expect(await r.text()).toBe(
        [
          '# HELP app_http_server_requests_total Requests.',
          '# TYPE app_http_server_requests_total counter',
          `app_http_server_requests_total{${base.replace('env="prod",', 'env="prod",http_method="GET",')}} 7`,
          '# HELP app_latency_seconds ',
          '# TYPE app_latency_seconds histogram',
          `app_latency_seconds_bucket{${base.replace('job="cart",', 'job="cart",le="0.1",')}} 2`,
          `app_latency_seconds_bucket{${base.replace('job="cart",', 'job="cart",le="1",')}} 6`,
          `app_latency_seconds_bucket{${base.replace('job="cart",', 'job="cart",le="+Inf",')}} 6`,
          `app_latency_seconds_sum{${base}} 3`,
          `app_latency_seconds_count{${base}} 6`,
          '# HELP app_memory_usage_bytes ',
          '# TYPE app_memory_usage_bytes gauge',
          `app_memory_usage_bytes{${base}} 1024`,
          '# HELP app_target_info Target metadata',
          '# TYPE app_target_info gauge',
          'app_target_info{env="prod",instance="i-1",job="cart",k8s_pod_name="p1"} 1',
          '',
        ].join('\n'),
      );
      expect((await fetch(`http://127.0.0.1:${env.ports.otelcol_prometheus_app}/other`)).status).toBe(404);
    } finally {
      await e.shutdown?.();
    }
  });

  it('resource_to_telemetry_conversion puts the resource attributes on every series', () => {
    const acc = new PrometheusAccumulator(cfg({ resource_to_telemetry_conversion: { enabled: true } }));
    acc.add(request({ counts: [0, 0, 1], count: 1, sum: 5 }));
    const line = acc.render().split('\n').find((l) => l.startsWith('memory_usage_bytes'));
    expect(line).toBe('memory_usage_bytes{instance="i-1",job="cart",k8s_pod_name="p1",otel_scope_name="lib",otel_scope_version="1.0",service_instance_id="i-1",service_name="cart"} 1024');
  });

  it('forgets series not updated for metric_expiration, keeps the newest point, sends timestamps when asked', () => {
    let now = 0;
    const acc = new PrometheusAccumulator(cfg({ metric_expiration: '1m', send_timestamps: true }), () => now);
    acc.add(request({ counts: [0, 0, 0], count: 0, sum: 0 }, 9, NOW_NS + 1e9));
    acc.add(request({ counts: [0, 0, 0], count: 0, sum: 0 }, 4, NOW_NS));
    expect(acc.render()).toContain('http_server_requests_total{http_method="GET",instance="i-1",job="cart",otel_scope_name="lib",otel_scope_version="1.0"} 9 1700000001000\n');
    now = 60_000;
    expect(acc.render()).toContain('memory_usage_bytes');
    now = 60_001;
    expect(acc.render()).toBe('');
  });
});
