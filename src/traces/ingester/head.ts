import { bytesToHex, decodeSpanBytes, nanosBetween, nanosToMillis, spanBytes } from '../../otlp/index.js';
import type { InstrumentationScope, Resource, ResourceSpans } from '../../otlp/index.js';
import type { SpanToWrite } from '../blocks/index.js';
import { anchoredRegex, attrMap, compareValues, entriesOf, type AttrValue, type SpanCondition, type SpanEntry } from '../model/index.js';

/**
 * The spans of one push in the head, columnar: their bytes stay where they arrived (one buffer, offsets and
 * lengths), resources and scopes are shared, intrinsics (what a block's search columns and the head's search
 * pruning need) sit in typed arrays. No object per span: the head costs about the wire size plus ~40 bytes a span.
 */
export class HeadBatch {
  private readonly buf: Uint8Array;
  private readonly off: Uint32Array;
  private readonly len: Uint32Array;
  private readonly group: Uint32Array;
  private readonly groups: { resource: Resource; scope: InstrumentationScope }[] = [];
  readonly names: string[];
  readonly kind: Uint8Array;
  readonly status: Uint8Array;
  readonly startMs: Float64Array;
  readonly durationNs: Float64Array;

  constructor(entries: readonly SpanEntry[]) {
    const n = entries.length;
    this.off = new Uint32Array(n);
    this.len = new Uint32Array(n);
    this.group = new Uint32Array(n);
    this.names = new Array<string>(n);
    this.kind = new Uint8Array(n);
    this.status = new Uint8Array(n);
    this.startMs = new Float64Array(n);
    this.durationNs = new Float64Array(n);
    const raws = entries.map((e) => spanBytes(e.span));
    // Spans decoded from one request are views of one buffer: keep it. Others (JSON, Zipkin) are copied into one.
    const shared = raws.every((r) => r.buffer === raws[0].buffer);
    this.buf = shared ? new Uint8Array(raws[0].buffer) : Buffer.concat(raws);
    let pos = 0;
    let last: SpanEntry | undefined;
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      const s = e.span;
      this.off[i] = shared ? raws[i].byteOffset : pos;
      this.len[i] = raws[i].length;
      pos += raws[i].length;
      if (!last || e.resource !== last.resource || e.scope !== last.scope) this.groups.push({ resource: e.resource, scope: e.scope });
      last = e;
      this.group[i] = this.groups.length - 1;
      this.names[i] = s.name ?? '';
      this.kind[i] = s.kind ?? 0;
      this.status[i] = s.status?.code ?? 0;
      this.startMs[i] = nanosToMillis(s.startTimeUnixNano);
      this.durationNs[i] = nanosBetween(s.startTimeUnixNano, s.endTimeUnixNano);
    }
  }

  resource(i: number): Resource {
    return this.groups[this.group[i]].resource;
  }

  scope(i: number): InstrumentationScope {
    return this.groups[this.group[i]].scope;
  }

  raw(i: number): Uint8Array {
    return this.buf.subarray(this.off[i], this.off[i] + this.len[i]);
  }

  spanToWrite(i: number): SpanToWrite {
    const g = this.groups[this.group[i]];
    return { resource: g.resource, scope: g.scope, raw: this.raw(i), name: this.names[i], kind: this.kind[i], status: this.status[i], startMs: this.startMs[i], durationNs: this.durationNs[i] };
  }
}

/** A trace in the head: where its spans are (batch and index, in arrival order), their estimated encoded size and time range. */
export interface HeadTrace {
  id: Buffer;
  batches: HeadBatch[];
  index: number[];
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
  const batch = new HeadBatch(entries);
  for (let i = 0; i < entries.length; i++) {
    const id = bytesToHex(entries[i].span.traceId);
    let t = traces.get(id);
    if (!t) {
      t = { id: Buffer.from(entries[i].span.traceId), batches: [], index: [], bytes: 0, startMs: Infinity, endMs: -Infinity };
      traces.set(id, t);
    }
    t.batches.push(batch);
    t.index.push(i);
    t.bytes += perSpan;
    const start = batch.startMs[i];
    t.startMs = Math.min(t.startMs, start);
    t.endMs = Math.max(t.endMs, start + batch.durationNs[i] / 1e6);
  }
  head.bytes += bytes;
  return traces.size;
}

/** The spans of a head trace as a block writer takes them. */
export function spansToWrite(t: HeadTrace): SpanToWrite[] {
  return t.index.map((i, k) => t.batches[k].spanToWrite(i));
}

/** The spans of a head trace, decoded. */
export function materialize(t: HeadTrace): SpanEntry[] {
  return t.index.map((i, k) => {
    const b = t.batches[k];
    return { resource: b.resource(i), scope: b.scope(i), span: decodeSpanBytes(b.raw(i)) };
  });
}

/** Whether every condition may hold on some span of a head trace (false only when certainly none matches). */
export function mayMatch(t: HeadTrace, conditions: readonly SpanCondition[]): boolean {
  for (let k = 0; k < t.index.length; k++) if (conditions.every((c) => mayHold(c, t.batches[k], t.index[k]))) return true;
  return false;
}

const resourceAttrs = new WeakMap<object, Map<string, AttrValue>>();

/** Whether a pushed-down condition may hold on a head span (false only when it certainly does not). */
function mayHold(c: SpanCondition, b: HeadBatch, i: number): boolean {
  const t = c.target;
  if (t.kind === 'intrinsic') {
    switch (t.name) {
      case 'name':
        return compareValues(c.op, b.names[i], c.value, c.regex ?? (c.op === '=~' || c.op === '!~' ? anchoredRegex(String(c.value)) : undefined));
      case 'kind':
        return compareValues(c.op, b.kind[i], c.value);
      case 'status':
        return compareValues(c.op, b.status[i], c.value);
      case 'duration':
        return compareValues(c.op, b.durationNs[i], c.value);
      default:
        return true;
    }
  }
  if (t.scope !== 'resource') return true; // span attributes are not decoded in the head
  const resource = b.resource(i);
  let attrs = resourceAttrs.get(resource);
  if (!attrs) resourceAttrs.set(resource, (attrs = attrMap(resource.attributes)));
  return compareValues(c.op, attrs.get(t.key), c.value, c.regex ?? (c.op === '=~' || c.op === '!~' ? anchoredRegex(String(c.value)) : undefined));
}
