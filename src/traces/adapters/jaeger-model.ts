import type Long from 'long';
import type { KeyValue, ResourceSpans, Span, SpanEvent, SpanLink } from '../../otlp/index.js';

/**
 * Jaeger's span model as both of its wire forms carry it (Thrift `jaeger.thrift` and protobuf `jaeger.api_v2`),
 * and the one mapping to OTLP the Collector's jaeger receiver applies: process service name and tags → resource,
 * `span.kind` / `error` / `otel.status_*` tags → kind / status, logs → events, references → parent or links.
 */
export interface JaegerSpan {
  traceId: Buffer;
  spanId: Buffer;
  /** Empty when the span has no parent field (api_v2 carries the parent only as a reference). */
  parentSpanId: Buffer;
  name: string;
  references: { traceId: Buffer; spanId: Buffer; followsFrom: boolean }[];
  flags: number;
  startUnixNano: Long;
  endUnixNano: Long;
  tags: KeyValue[];
  logs: { timeUnixNano: Long; fields: KeyValue[] }[];
}

export interface JaegerProcess {
  serviceName: string;
  tags: KeyValue[];
}

/** The value of a Jaeger tag, whichever encoding carried it (Thrift and protobuf number their value types differently). */
export interface JaegerTagValue {
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  str: string;
  bool: boolean;
  int: number | Long;
  dbl: number;
  bin: Buffer;
}

export function jaegerTag(key: string, v: JaegerTagValue): KeyValue {
  switch (v.type) {
    case 'bool':
      return { key, value: { value: 'boolValue', boolValue: v.bool } };
    case 'int64':
      return { key, value: { value: 'intValue', intValue: v.int } };
    case 'float64':
      return { key, value: { value: 'doubleValue', doubleValue: v.dbl } };
    case 'binary':
      return { key, value: { value: 'bytesValue', bytesValue: v.bin } };
    default:
      return { key, value: { value: 'stringValue', stringValue: v.str } };
  }
}

const KINDS: Record<string, number> = { server: 2, client: 3, producer: 4, consumer: 5, internal: 1 };

export function jaegerSpanToOtlp(j: JaegerSpan): Span {
  let kind = 1;
  let status = null as { code: number; message: string } | null;
  const attributes: KeyValue[] = [];
  for (const t of j.tags) {
    const v = t.value?.stringValue;
    if (t.key === 'span.kind') kind = KINDS[v ?? ''] ?? 1;
    else if (t.key === 'error' && (t.value?.boolValue === true || v === 'true')) status = { code: 2, message: '' };
    else if (t.key === 'otel.status_code') status = { code: v === 'ERROR' ? 2 : v === 'OK' ? 1 : 0, message: status?.message ?? '' };
    else if (t.key === 'otel.status_description') status = { code: status?.code ?? 2, message: v ?? '' };
    else attributes.push(t);
  }
  const events: SpanEvent[] = j.logs.map((l) => {
    const ev = l.fields.find((f) => f.key === 'event');
    return { timeUnixNano: l.timeUnixNano, name: ev?.value?.stringValue ?? 'log', attributes: l.fields.filter((f) => f !== ev) };
  });
  // A child_of reference to a span of the same trace is the parent when no parent is set.
  let parentId = j.parentSpanId;
  const parentRef = parentId.length === 0 ? j.references.find((r) => !r.followsFrom && r.traceId.equals(j.traceId)) : undefined;
  if (parentRef) parentId = parentRef.spanId;
  const links: SpanLink[] = j.references
    .filter((r) => r !== parentRef)
    .map((r) => ({ traceId: r.traceId, spanId: r.spanId, attributes: [{ key: 'opentracing.ref_type', value: { value: 'stringValue', stringValue: r.followsFrom ? 'follows_from' : 'child_of' } }] }));
  return {
    traceId: j.traceId,
    spanId: j.spanId,
    parentSpanId: parentId,
    flags: j.flags,
    name: j.name,
    kind,
    startTimeUnixNano: j.startUnixNano,
    endTimeUnixNano: j.endUnixNano,
    attributes,
    events,
    links,
    status,
  };
}

/** One resource per process: `service.name` then the process tags. */
export function jaegerResourceSpans(process: JaegerProcess, spans: Span[]): ResourceSpans {
  const attributes: KeyValue[] = [{ key: 'service.name', value: { value: 'stringValue', stringValue: process.serviceName } }, ...process.tags];
  return { resource: { attributes }, scopeSpans: [{ scope: { name: 'jaeger' }, spans }] };
}
