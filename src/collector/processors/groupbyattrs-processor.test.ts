import { describe, expect, it } from 'vitest';
import { anyValueToJs, type KeyValue } from '../../otlp/index.js';
import { silentLogger } from '../../server/index.js';
import type { ExportRequest } from '../pipeline/consumer.js';
import { toAnyValue, type AttrValue } from '../pipeline/otlp-data.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { groupbyattrsProcessorFactory } from './groupbyattrs-processor.js';

const env = () => ({ logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: '', storage: () => undefined, ports: {} });
const kv = (o: Record<string, AttrValue>): KeyValue[] => Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const obj = (a: KeyValue[] | undefined) => Object.fromEntries((a ?? []).map((x) => [x.key, anyValueToJs(x.value)]));
const span = (name: string, attrs: Record<string, AttrValue>) => ({ traceId: new Uint8Array(16), spanId: new Uint8Array(8), name, attributes: kv(attrs) });

async function run(keys: string[], data: ExportRequest): Promise<ExportRequest> {
  let out: ExportRequest | undefined;
  const p = groupbyattrsProcessorFactory.create('groupbyattrs', groupbyattrsProcessorFactory.schema.parse({ keys }), data.signal, { consume: async (d) => void (out = d) }, env());
  await p.consume(data, {});
  return out!;
}

describe('groupbyattrs processor', () => {
  it('moves the grouping attributes of spans to new resources, grouping equal ones; others stay with their resource', async () => {
    const out = await run(['host.name'], {
      signal: 'traces',
      req: {
        resourceSpans: [
          { resource: { attributes: kv({ 'service.name': 'a' }) }, scopeSpans: [{ scope: { name: 'lib' }, spans: [span('s1', { 'host.name': 'h1', x: 1 }), span('s2', { 'host.name': 'h2' }), span('s3', { x: 2 })] }] },
          { resource: { attributes: kv({ 'service.name': 'a' }) }, scopeSpans: [{ scope: { name: 'lib' }, spans: [span('s4', { 'host.name': 'h1' })] }] },
        ],
      },
    });
    const got = out.signal === 'traces' ? out.req.resourceSpans!.map((rs) => ({ resource: obj(rs.resource?.attributes), scopes: rs.scopeSpans!.map((ss) => ({ scope: ss.scope?.name, spans: ss.spans!.map((s) => [s.name, obj(s.attributes)]) })) })) : [];
    expect(got).toEqual([
      { resource: { 'service.name': 'a', 'host.name': 'h1' }, scopes: [{ scope: 'lib', spans: [['s1', { x: 1 }], ['s4', {}]] }] },
      { resource: { 'service.name': 'a', 'host.name': 'h2' }, scopes: [{ scope: 'lib', spans: [['s2', {}]] }] },
      { resource: { 'service.name': 'a' }, scopes: [{ scope: 'lib', spans: [['s3', { x: 2 }]] }] },
    ]);
  });

  it('splits the data points of one metric across resources, the metric copied into each', async () => {
    const out = await run(['host.name'], {
      signal: 'metrics',
      req: {
        resourceMetrics: [
          {
            resource: { attributes: kv({ 'service.name': 'a' }) },
            scopeMetrics: [{ metrics: [{ name: 'cpu', unit: 's', data: 'gauge', gauge: { dataPoints: [{ attributes: kv({ 'host.name': 'h1', cpu: '0' }), asDouble: 1, value: 'asDouble' }, { attributes: kv({ 'host.name': 'h2', cpu: '0' }), asDouble: 2, value: 'asDouble' }] } }] }],
          },
        ],
      },
    });
    const got = out.signal === 'metrics' ? out.req.resourceMetrics!.map((rm) => ({ resource: obj(rm.resource?.attributes), metrics: rm.scopeMetrics![0].metrics!.map((m) => [m.name, m.unit, m.gauge!.dataPoints!.map((p) => [obj(p.attributes), p.asDouble])]) })) : [];
    expect(got).toEqual([
      { resource: { 'service.name': 'a', 'host.name': 'h1' }, metrics: [['cpu', 's', [[{ cpu: '0' }, 1]]]] },
      { resource: { 'service.name': 'a', 'host.name': 'h2' }, metrics: [['cpu', 's', [[{ cpu: '0' }, 2]]]] },
    ]);
  });

  it('without keys compacts equal resources and scopes of log records', async () => {
    const res = () => ({ attributes: kv({ 'service.name': 'a' }) });
    const rec = (b: string) => ({ body: toAnyValue(b) });
    const out = await run([], {
      signal: 'logs',
      req: { resourceLogs: [{ resource: res(), scopeLogs: [{ scope: { name: 'x' }, logRecords: [rec('1')] }] }, { resource: res(), scopeLogs: [{ scope: { name: 'x' }, logRecords: [rec('2')] }, { scope: { name: 'y' }, logRecords: [rec('3')] }] }] },
    });
    const got = out.signal === 'logs' ? out.req.resourceLogs!.map((rl) => rl.scopeLogs!.map((sl) => [sl.scope?.name, sl.logRecords!.map((l) => l.body?.stringValue)])) : [];
    expect(got).toEqual([
      [
        ['x', ['1', '2']],
        ['y', ['3']],
      ],
    ]);
  });
});
