import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../config/index.js';
import { Types, type ExportTraceServiceRequest } from '../otlp/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../server/index.js';
import { startCollector } from './component.js';
import { memoryLimiterFactory, memoryLimits } from './processors/memory-limiter.js';
import { CollectorMetrics } from './telemetry/collector-metrics.js';

const ctx = (dir: string) => ({ config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() });

describe('the collector service', () => {
  it('fans one receiver out to two pipelines and fans two pipelines into one exporter (the in-process sightline exporter)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-svc-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors:
  attributes/a: { actions: [{ key: pipeline, value: a, action: insert }] }
  attributes/b: { actions: [{ key: pipeline, value: b, action: insert }] }
exporters: { sightline: {} }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces/a: { receivers: [otlp], processors: [attributes/a], exporters: [sightline] }
    traces/b: { receivers: [otlp], processors: [attributes/b], exporters: [sightline] }
`,
    );
    const got: string[] = [];
    const c = await startCollector(ctx(dir), {
      configFile: file,
      inProcess: {
        traces: {
          async pushTraces(_t: string, req: ExportTraceServiceRequest) {
            for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) got.push(`${s.name}:${s.attributes?.find((a) => a.key === 'pipeline')?.value?.stringValue}`);
            return { rejected: 0, message: '' };
          },
        },
      },
    });
    try {
      const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'op' }] }] }] };
      const r = await fetch(`http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status).toBe(200);
      expect(got.sort()).toEqual(['op:a', 'op:b']);
      // A signal no pipeline takes from this receiver is answered 404, as the Collector's HTTP mux does.
      const m = await fetch(`http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(m.status).toBe(404);
    } finally {
      await c.stop();
    }
  });

  it('memory_limiter refuses with a retryable error above its soft limit and computes the Collector limits', async () => {
    expect(memoryLimits({ check_interval: 1000, limit_mib: 1000, spike_limit_mib: 0, limit_percentage: 0, spike_limit_percentage: 0 })).toEqual({ hard: 1000 * 2 ** 20, soft: 800 * 2 ** 20 });
    expect(memoryLimits({ check_interval: 1000, limit_mib: 0, spike_limit_mib: 0, limit_percentage: 80, spike_limit_percentage: 25 }, 1000)).toEqual({ hard: 800, soft: 550 });
    const telemetry = new CollectorMetrics();
    let passed = 0;
    const p = memoryLimiterFactory.create('memory_limiter', memoryLimiterFactory.schema.parse({ check_interval: '1s', limit_mib: 2, spike_limit_mib: 1 }), 'traces', { consume: async () => void passed++ }, {
      logger: silentLogger(),
      telemetry,
      dataDir: '',
      storage: () => undefined,
      ports: {},
    });
    await p.start?.();
    const data = { signal: 'traces' as const, req: { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: new Uint8Array(16), spanId: new Uint8Array(8), name: 'x' }] }] }] } };
    await expect(p.consume(data, {})).rejects.toMatchObject({ status: 503, message: 'data refused due to high memory usage' });
    await p.shutdown?.();
    expect(passed).toBe(0);
    expect((await telemetry.registry.getSingleMetric('otelcol_processor_refused_spans')!.get()).values[0].value).toBe(1);
  });

  it('OTLP metrics: a malformed request gets the OTLP error; points changed by a processor are exported changed, the others as they came', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-svc-'));
    const file = join(dir, 'c.yaml');
    const out = join(dir, 'out.jsonl');
    writeFileSync(
      file,
      `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors:
  attributes: { include: { match_type: strict, services: [] }, actions: [{ key: stage, value: seen, action: insert }] }
exporters: { file: { path: ${out} } }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics/changed: { receivers: [otlp], processors: [attributes], exporters: [file] }
    metrics/as-is: { receivers: [otlp], exporters: [file] }
`.replace("include: { match_type: strict, services: [] }, ", ''),
    );
    const c = await startCollector(ctx(dir), { configFile: file });
    try {
      const url = `http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/metrics`;
      const post = (body: Uint8Array) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      const bad = await post(Uint8Array.from([0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x2a, 0x05]));
      expect(bad.status).toBe(400);
      const status = Types.RpcStatus.decode(new Uint8Array(await bad.arrayBuffer())) as unknown as { message: string };
      expect(status.message).toMatch(/^unable to unmarshal metrics request: length 5 runs past the end/);
      const req = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asInt: 3, attributes: [{ key: 'k', value: { stringValue: 'v' } }] }, { asDouble: 1.5 }] } }] }] }] };
      const ok = await post(Types.ExportMetricsServiceRequest.encode(Types.ExportMetricsServiceRequest.fromObject(req)).finish());
      expect(ok.status).toBe(200);
      const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
      for (let i = 0; i < 100 && lines().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      const points = lines().map((l) => (JSON.parse(l) as { resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: { asInt?: string; asDouble?: number; attributes?: { key: string }[] }[] } }[] }[] }[] }).resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints);
      const keys = points.map((ps) => ps.map((p) => (p.attributes ?? []).map((a) => a.key).join(',')).join('|')).sort();
      expect(keys).toEqual(['k,stage|stage', 'k|']);
      expect(points.map((ps) => [ps[0].asInt, ps[1].asDouble])).toEqual([['3', 1.5], ['3', 1.5]]);
    } finally {
      await c.stop();
    }
  });
});
