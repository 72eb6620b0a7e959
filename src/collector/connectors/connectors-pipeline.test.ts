import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../../config/index.js';
import { MemoryStorage } from '../../metrics/storage-api/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../../server/index.js';
import { startCollector } from '../component.js';

const ctx = (dir: string) => ({ config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() });

describe('spanmetrics and servicegraph in a collector', () => {
  it('turn the spans of a traces pipeline into the metrics of a metrics pipeline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-conn-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
connectors:
  spanmetrics: { metrics_flush_interval: 50ms }
  servicegraph: { metrics_flush_interval: 0s }
exporters: { sightline: {} }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [spanmetrics, servicegraph] }
    metrics: { receivers: [spanmetrics, servicegraph], exporters: [sightline] }
`,
    );
    const storage = new MemoryStorage();
    const c = await startCollector(ctx(dir), { configFile: file, inProcess: { metrics: storage } });
    try {
      const rs = (service: string, spanId: string, kind: number, parentSpanId = '') => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId, parentSpanId, name: 'GET /', kind, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000005000000' }] }],
      });
      const body = { resourceSpans: [rs('web', 'b7ad6b7169203331', 3), rs('api', 'b7ad6b7169203332', 2, 'b7ad6b7169203331')] };
      const r = await fetch(`http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status).toBe(200);
      const names = async () => (await storage.querier(0, Date.now() + 60_000)).labelValues('__name__', []);
      for (let i = 0; i < 100 && !(await names()).includes('traces_span_metrics_calls_total'); i++) await new Promise((res) => setTimeout(res, 20));
      const got = await names();
      expect(got).toContain('traces_span_metrics_calls_total');
      expect(got).toContain('traces_span_metrics_duration_milliseconds_bucket');
      expect(got).toContain('traces_service_graph_request_total');
      expect(got).toContain('traces_service_graph_request_server_seconds_bucket');
      const q = await storage.querier(0, Date.now() + 60_000);
      expect(await q.labelValues('client', [])).toEqual(['web']);
      expect(await q.labelValues('server', [])).toEqual(['api']);
    } finally {
      await c.stop();
    }
  });
});
