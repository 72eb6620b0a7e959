import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { Matcher } from '../src/model/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

let stack: TracesStack;
const storage = new MemoryStorage();

beforeAll(async () => {
  stack = await startTracesStack({ sinks: { metrics: storage } });
});
afterAll(async () => {
  await stack?.stop();
});

async function series(name: string): Promise<{ labels: Record<string, string>; values: number[] }[]> {
  const q = await storage.querier(0, Number.MAX_SAFE_INTEGER);
  const ss = await q.select([new Matcher('=', '__name__', name)], { start: 0, end: Number.MAX_SAFE_INTEGER }, true);
  return ss.map((s) => {
    const b = s.samples(0, Number.MAX_SAFE_INTEGER);
    return { labels: s.labels.toObject(), values: Array.from(b.v.subarray(0, b.length)) };
  });
}

describe('OTLP metrics from the OpenTelemetry SDK', () => {
  it('land in the Appendable translated as the prometheusremotewrite exporter does', async () => {
    const exporter = new OTLPMetricExporter({ url: `${stack.otlpHttp}/v1/metrics` });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'pod-1', 'host.name': 'node-a' }),
      readers: [reader],
    });
    const meter = provider.getMeter('m');
    meter.createCounter('http.server.requests', { description: 'requests' }).add(3, { 'http.method': 'GET' });
    meter.createHistogram('http.server.duration', { unit: 'ms' }).record(42, { route: '/a' });
    meter.createUpDownCounter('queue.size', { unit: '{items}' }).add(5);
    meter.createGauge('cpu.utilization', { unit: '1' }).record(0.25);
    meter.createObservableGauge('memory.usage', { unit: 'By' }).addCallback((r) => r.observe(1024));
    await reader.forceFlush();

    expect(await series('http_server_requests_total')).toEqual([
      { labels: { __name__: 'http_server_requests_total', 'http_method': 'GET', instance: 'pod-1', job: 'shop/checkout' }, values: [3] },
    ]);
    const buckets = await series('http_server_duration_milliseconds_bucket');
    const inf = buckets.find((b) => b.labels.le === '+Inf')!;
    expect(inf.labels).toMatchObject({ job: 'shop/checkout', instance: 'pod-1', route: '/a' });
    expect(inf.values).toEqual([1]);
    expect(buckets.find((b) => b.labels.le === '25')!.values).toEqual([0]);
    expect(buckets.find((b) => b.labels.le === '50')!.values).toEqual([1]);
    expect((await series('http_server_duration_milliseconds_sum'))[0].values).toEqual([42]);
    expect((await series('http_server_duration_milliseconds_count'))[0].values).toEqual([1]);
    expect((await series('queue_size'))[0].values).toEqual([5]);
    expect((await series('cpu_utilization_ratio'))[0].values).toEqual([0.25]);
    expect((await series('memory_usage_bytes'))[0].values).toEqual([1024]);
    const info = await series('target_info');
    expect(info).toHaveLength(1);
    expect(info[0].labels).toMatchObject({ job: 'shop/checkout', instance: 'pod-1', host_name: 'node-a' });
    expect(info[0].labels['service_name']).toBeUndefined();

    await provider.shutdown();
    const m = await (await fetch(`${stack.otlpHttp}/metrics`)).text();
    expect(m).toMatch(/otelcol_receiver_accepted_metric_points\{receiver="otlp",transport="http"\} 10/);
  });

  it('refuses delta sums with a partial success over OTLP/JSON', async () => {
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'delta' } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: 'jobs.done', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '4', timeUnixNano: '1700000000000000000' }] } },
                { name: 'temp', unit: 'Cel', gauge: { dataPoints: [{ asDouble: 21.5, timeUnixNano: '1700000000000000000' }] } },
                { name: 'rpc.latency', summary: { dataPoints: [{ count: '2', sum: 3, timeUnixNano: '1700000000000000000', quantileValues: [{ quantile: 0.5, value: 1.5 }] }] } },
              ],
            },
          ],
        },
      ],
    };
    const r = await fetch(`${stack.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ partialSuccess: { rejectedDataPoints: '1', errorMessage: 'invalid temporality and type combination for metric "jobs.done"' } });
    expect(await series('temp_celsius')).toEqual([{ labels: { __name__: 'temp_celsius', job: 'delta' }, values: [21.5] }]);
    expect((await series('rpc_latency'))[0]).toEqual({ labels: { __name__: 'rpc_latency', job: 'delta', quantile: '0.5' }, values: [1.5] });
    expect((await series('rpc_latency_count'))[0].values).toEqual([2]);
    expect(await series('jobs_done_total')).toEqual([]);
  });
});

describe('OTLP metrics refused by the store', () => {
  it('refuses only the out-of-order samples and reports them as a partial success', async () => {
    const point = (t: string, v: number) => ({ asDouble: v, timeUnixNano: t });
    const req = (points: object[]) => ({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ooo' } }] }, scopeMetrics: [{ metrics: [{ name: 'ooo.gauge', gauge: { dataPoints: points } }] }] }] });
    const send = (b: object) => fetch(`${stack.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    expect((await send(req([point('1700000002000000000', 2)]))).status).toBe(200);
    const r = await send(req([point('1700000001000000000', 1), point('1700000003000000000', 3)]));
    expect(r.status).toBe(200);
    const body = (await r.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedDataPoints).toBe('1');
    expect(body.partialSuccess.errorMessage).toContain('out of order');
    expect(await series('ooo_gauge')).toEqual([{ labels: { __name__: 'ooo_gauge', job: 'ooo' }, values: [2, 3] }]);
  });
});
