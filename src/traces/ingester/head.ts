import { bytesToHex, decodeSpanBytes, nanosBetween, nanosToMillis, spanBytes } from '../../otlp/index.js';
import type { ResourceSpans } from '../../otlp/index.js';
import type { SpanToWrite } from '../blocks/index.js';
import { anchoredRegex, attrMap, compareValues, entriesOf, type AttrValue, type SpanCondition, type SpanEntry } from '../model/index.js';

/**
 * A span in the head: its resource and scope (decoded, shared by the spans of a request), the span's encoded bytes
 * and its intrinsics — what a block needs, so cutting a block decodes no span again. Spans are decoded only when
 * queried, so the head costs about the wire size.
 */
export type HeadSpan = SpanToWrite;

/** A trace in the head: its spans so far, their estimated encoded size and time range. */
export interface HeadTrace {
  id: Buffer;
  spans: HeadSpan[];
  bytes: number;
  startMs: number;
  endMs: number;
}

/** Traces not yet in blocks, per tenant and trace ID (hex). */
export interface Head {
  traces: Map<string, Map<string, HeadTrace>>;
  bytes: number;
  firstAppendMs: number;
}

export const newHead = (): Head => ({ traces: new Map(), bytes: 0, firstAppendMs: 0 });

/** Add the spans of a request (`bytes` encoded) to the head; returns the tenant's trace count. */
export function appendToHead(head: Head, tenant: string, resourceSpans: ResourceSpans[], bytes: number, nowMs: number): number {
  const entries = entriesOf(resourceSpans);
  let traces = head.traces.get(tenant);
  if (entries.length === 0) return traces?.size ?? 0;
  const perSpan = bytes / entries.length;
  if (!traces) {
    traces = new Map();
    head.traces.set(tenant, traces);
  }
  if (head.firstAppendMs === 0) head.firstAppendMs = nowMs;
  for (const e of entries) {
    const id = bytesToHex(e.span.traceId);
    let t = traces.get(id);
    if (!t) {
      t = { id: Buffer.from(e.span.traceId), spans: [], bytes: 0, startMs: Infinity, endMs: -Infinity };
      traces.set(id, t);
    }
    const startMs = nanosToMillis(e.span.startTimeUnixNano);
    const durationNs = nanosBetween(e.span.startTimeUnixNano, e.span.endTimeUnixNano);
    t.spans.push({
      resource: e.resource,
      scope: e.scope,
      raw: spanBytes(e.span),
      name: e.span.name ?? '',
      kind: e.span.kind ?? 0,
      status: e.span.status?.code ?? 0,
      startMs,
      durationNs,
    });
    t.bytes += perSpan;
    t.startMs = Math.min(t.startMs, startMs);
    t.endMs = Math.max(t.endMs, startMs + durationNs / 1e6);
  }
  head.bytes += bytes;
  return traces.size;
}

/** The spans of a head trace, decoded. */
export function materialize(t: HeadTrace): SpanEntry[] {
  return t.spans.map((h) => ({ resource: h.resource, scope: h.scope, span: decodeSpanBytes(h.raw) }));
}

const resourceAttrs = new WeakMap<object, Map<string, AttrValue>>();

/** Whether a pushed-down condition may hold on a head span (false only when it certainly does not). */
export function mayHold(c: SpanCondition, sp: HeadSpan): boolean {
  const t = c.target;
  if (t.kind === 'intrinsic') {
    switch (t.name) {
      case 'name':
        return compareValues(c.op, sp.name, c.value, c.regex ?? (c.op === '=~' || c.op === '!~' ? anchoredRegex(String(c.value)) : undefined));
      case 'kind':
        return compareValues(c.op, sp.kind, c.value);
      case 'status':
        return compareValues(c.op, sp.status, c.value);
      case 'duration':
        return compareValues(c.op, sp.durationNs, c.value);
      default:
        return true;
    }
  }
  if (t.scope !== 'resource') return true; // span attributes are not decoded in the head
  let attrs = resourceAttrs.get(sp.resource);
  if (!attrs) resourceAttrs.set(sp.resource, (attrs = attrMap(sp.resource.attributes)));
  return compareValues(c.op, attrs.get(t.key), c.value, c.regex ?? (c.op === '=~' || c.op === '!~' ? anchoredRegex(String(c.value)) : undefined));
}
