import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../src/collector/index.js';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir } from '../src/metrics/mimir/index.js';
import { createSelfMetricsRegistry, silentLogger, type Component } from '../src/server/index.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

type Series = { metric: Record<string, string>; value?: [number, string] };

/** One metrics pipeline fanned out by prometheusremotewrite to a real Prometheus 2.42 and to the Mimir role. */
describe.runIf(prometheusAvailable())('the prometheusremotewrite exporter against a real Prometheus', () => {
  let prom: PrometheusPeer;
  let mimir: Component;
  let collector: Component;
  const dir = tempDir('sightline-collector-prw-');

  beforeAll(async () => {
    prom = await startPrometheus(dir, 'global: { scrape_interval: 1h }\n');
    const ctx = { config: sightlineConfigSchema.parse({ mimir: { listen_address: '127.0.0.1:0' } }), dataDir: join(dir, 'mimir'), logger: silentLogger(), registry: createSelfMetricsRegistry() };
    mimir = await startMimir(ctx);
    const file = join(dir, 'otelcol.yaml');
    writeFileSync(
      file,
      `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors: { batch: { timeout: 100ms } }
exporters:
  prometheusremotewrite/prometheus: { endpoint: "${prom.url}/api/v1/write" }
  prometheusremotewrite/mimir: { endpoint: "http://127.0.0.1:${mimir.ports.mimir}/api/v1/push" }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics: { receivers: [otlp], processors: [batch], exporters: [prometheusremotewrite/prometheus, prometheusremotewrite/mimir] }
`,
    );
    collector = await startCollector({ ...ctx, dataDir: join(dir, 'collector') }, { configFile: file });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await mimir?.stop();
    await prom?.stop();
  });

  it('both receive the same series and values', async () => {
    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${collector.ports.otelcol_otlp_http}/v1/metrics` }), exportIntervalMillis: 60_000 });
    const mp = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'service.namespace': 'prod', 'service.instance.id': 'shop-1', 'k8s.pod.name': 'shop-abc' }), readers: [reader] });
    const meter = mp.getMeter('shop');
    meter.createCounter('orders', { unit: '1' }).add(3, { region: 'eu' });
    meter.createCounter('orders', { unit: '1' }).add(4, { region: 'us' });
    meter.createHistogram('latency', { unit: 'ms' }).record(120, { route: '/pay' });
    meter.createUpDownCounter('inflight').add(2);
    await reader.forceFlush();
    await mp.shutdown();
    const query = async (base: string, q: string): Promise<Series[]> => {
      const r = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Series[] } };
      return r.data.result;
    };
    const norm = (xs: Series[]) => xs.map((s) => `${JSON.stringify(Object.entries(s.metric).sort())} ${s.value?.[1]}`).sort();
    const q = '{job="prod/shop"}';
    const fromProm = await waitFor(async () => {
      const r = await query(prom.url, q);
      return r.length >= 10 ? r : undefined;
    }, 15_000, 'series in Prometheus');
    const fromMimir = await waitFor(async () => {
      const r = await query(`http://127.0.0.1:${mimir.ports.mimir}/prometheus`, q);
      return r.length >= fromProm.length ? r : undefined;
    }, 15_000, 'series in Mimir');
    expect(norm(fromMimir)).toEqual(norm(fromProm));
    const names = new Set(fromProm.map((s) => s.metric.__name__));
    expect([...names].sort()).toEqual(['inflight', 'latency_milliseconds_bucket', 'latency_milliseconds_count', 'latency_milliseconds_sum', 'orders_total', 'target_info']);
    const info = fromProm.find((s) => s.metric.__name__ === 'target_info')!;
    expect(info.metric).toMatchObject({ instance: 'shop-1', k8s_pod_name: 'shop-abc' });
  }, 60_000);
});
