import Long from 'long';
import { anyValueToJs, int64ToNumber, type ExportMetricsServiceRequest, type KeyValue, type ResourceSpans, type Span } from '../../otlp/index.js';
import { toAnyValue, type AttrValue } from '../pipeline/otlp-data.js';

/** Test input: a span of `ms` milliseconds (kind: 2 server, 3 client, 4 producer, 5 consumer; status 2 = error). */
export interface SpanSpec {
  service?: string;
  resource?: Record<string, AttrValue>;
  name?: string;
  kind?: number;
  status?: number;
  ms: number;
  trace?: number;
  id?: number;
  parent?: number;
  attrs?: Record<string, AttrValue>;
  events?: Record<string, AttrValue>[];
}

const kvs = (o: Record<string, AttrValue>): KeyValue[] => Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const id = (n: number, len: number) => {
  const b = Buffer.alloc(len);
  b.writeUInt32BE(n, len - 4);
  return b;
};
const T0 = Long.fromString('1700000000000000000', true);

/** One ResourceSpans per span (as SDKs of different services send them). */
export function spans(specs: SpanSpec[]): ResourceSpans[] {
  return specs.map((s) => {
    const resource = { ...(s.service !== undefined ? { 'service.name': s.service } : {}), ...s.resource };
    const span: Span = {
      traceId: id(s.trace ?? 1, 16),
      spanId: id(s.id ?? 1, 8),
      parentSpanId: s.parent ? id(s.parent, 8) : new Uint8Array(0),
      name: s.name ?? 'op',
      kind: s.kind ?? 2,
      status: { code: s.status ?? 0 },
      startTimeUnixNano: T0,
      endTimeUnixNano: T0.add(Math.round(s.ms * 1e6)),
      attributes: kvs(s.attrs ?? {}),
      events: (s.events ?? []).map((e) => ({ name: 'ev', timeUnixNano: T0, attributes: kvs(e) })),
    };
    return { resource: { attributes: kvs(resource) }, scopeSpans: [{ scope: { name: 'test' }, spans: [span] }] };
  });
}

const attrObj = (a: KeyValue[] | undefined) => Object.fromEntries((a ?? []).map((kv) => [kv.key, anyValueToJs(kv.value)]));

/** A generated metrics request as plain data: per metric, its points' attributes and value (or histogram). */
export function summarize(req: ExportMetricsServiceRequest) {
  const out: { resource: Record<string, unknown>; scope: string; name: string; unit: string; temporality?: number; points: { attrs: Record<string, unknown>; value?: number; count?: number; sum?: number; buckets?: number[]; bounds?: number[] }[] }[] = [];
  for (const rm of req.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const m of sm.metrics ?? []) {
        const points =
          m.data === 'sum'
            ? (m.sum?.dataPoints ?? []).map((p) => ({ attrs: attrObj(p.attributes), value: int64ToNumber(p.asInt) }))
            : (m.histogram?.dataPoints ?? []).map((p) => ({ attrs: attrObj(p.attributes), count: int64ToNumber(p.count), sum: p.sum ?? 0, buckets: (p.bucketCounts ?? []).map(int64ToNumber), bounds: p.explicitBounds }));
        out.push({ resource: attrObj(rm.resource?.attributes), scope: sm.scope?.name ?? '', name: m.name ?? '', unit: m.unit ?? '', temporality: (m.sum ?? m.histogram)?.aggregationTemporality, points });
      }
  return out;
}
