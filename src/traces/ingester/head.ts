import { bytesToHex, decodeSpanBytes, nanosBetween, nanosToMillis, spanBytes } from '../../otlp/index.js';
import type { InstrumentationScope, Resource, ResourceSpans } from '../../otlp/index.js';
import { encodeTracesRequest } from '../../otlp/index.js';
import type { BlockInput } from '../blocks/index.js';
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
  readonly group: Uint32Array;
  /** The distinct (resource, scope) pairs of the push, in order; `group[i]` is span `i`'s. */
  readonly groups: { resource: Resource; scope: InstrumentationScope }[] = [];
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

  rawLength(i: number): number {
    return this.len[i];
  }

  /** Copy span `i`'s bytes into `out` at `pos`; returns the position after them. */
  copyRaw(i: number, out: Uint8Array, pos: number): number {
    out.set(this.buf.subarray(this.off[i], this.off[i] + this.len[i]), pos);
    return pos + this.len[i];
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

/**
 * The traces of a head cut (one tenant's) as the block writer takes them: typed arrays and one copy of the span
 * bytes, traces in ID order (the head keeps its own bytes: it answers queries until the block is written).
 */
export function blockInput(traces: Map<string, HeadTrace>): BlockInput {
  // Lowercase hex sorts like the bytes it encodes, and string comparison is much cheaper than Buffer.compare.
  const list = [...traces].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
  let spans = 0;
  let bytes = 0;
  for (const t of list) {
    spans += t.index.length;
    for (let k = 0; k < t.index.length; k++) bytes += t.batches[k].rawLength(t.index[k]);
  }
  const n = list.length;
  const ids = new Uint8Array(16 * n);
  const traceSpans = new Uint32Array(n + 1);
  const raw = new Uint8Array(bytes);
  const spanEnd = new Uint32Array(spans);
  const group = new Uint32Array(spans);
  const nameId = new Uint32Array(spans);
  const kind = new Uint8Array(spans);
  const status = new Uint8Array(spans);
  const startMs = new Float64Array(spans);
  const durationNs = new Float64Array(spans);
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  // Each batch's groups once, at the offset where its first span seen put them.
  const groupBase = new Map<HeadBatch, number>();
  const groups: { resource: Resource; scope: InstrumentationScope }[] = [];
  let s = 0;
  let pos = 0;
  for (let t = 0; t < n; t++) {
    const tr = list[t];
    ids.set(tr.id, 16 * t);
    traceSpans[t] = s;
    for (let k = 0; k < tr.index.length; k++, s++) {
      const b = tr.batches[k];
      const i = tr.index[k];
      let base = groupBase.get(b);
      if (base === undefined) {
        groupBase.set(b, (base = groups.length));
        groups.push(...b.groups);
      }
      pos = b.copyRaw(i, raw, pos);
      spanEnd[s] = pos;
      group[s] = base + b.group[i];
      const name = b.names[i];
      let id = nameIds.get(name);
      if (id === undefined) {
        nameIds.set(name, (id = names.length));
        names.push(name);
      }
      nameId[s] = id;
      kind[s] = b.kind[i];
      status[s] = b.status[i];
      startMs[s] = b.startMs[i];
      durationNs[s] = b.durationNs[i];
    }
  }
  traceSpans[n] = s;
  const encodedGroups = encodeTracesRequest({ resourceSpans: groups.map((g) => ({ resource: g.resource, scopeSpans: [{ scope: g.scope, spans: [] }] })) });
  return { ids, traceSpans, raw, spanEnd, group, nameId, kind, status, startMs, durationNs, names, groups: new Uint8Array(encodedGroups) };
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
