/** Traces from Tempo's OTLP-JSON answers (`/api/traces/<id>`): spans in tree order with depth (pure helpers). */

export interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpAttr[] };
  bytesValue?: string;
}
export interface OtlpAttr {
  key: string;
  value: OtlpAnyValue;
}
export interface OtlpSpan {
  attributes?: OtlpAttr[];
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status?: { code?: number | string; message?: string };
  events?: { timeUnixNano: string; name: string; attributes?: OtlpAttr[] }[];
  links?: { traceId: string; spanId: string; attributes?: OtlpAttr[] }[];
}
export interface OtlpTrace {
  batches?: { resource?: { attributes?: OtlpAttr[] }; scopeSpans?: { scope?: { name?: string; version?: string }; spans?: OtlpSpan[] }[] }[];
  trace?: OtlpTrace;
  resourceSpans?: OtlpTrace['batches'];
}

export interface SpanEvent {
  name: string;
  /** Milliseconds after the span's start. */
  offsetMs: number;
  attributes: [string, string][];
}
export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: [string, string][];
}

export interface SpanRow {
  spanId: string;
  parentSpanId: string;
  traceId: string;
  name: string;
  service: string;
  kind: string;
  error: boolean;
  statusMessage: string;
  /** Span attributes, then the resource's (each sorted by key). */
  spanAttributes: [string, string][];
  resourceAttributes: [string, string][];
  /** Resource and span attributes as strings (span wins), for tracesToLogs. */
  tags: Record<string, string>;
  events: SpanEvent[];
  links: SpanLink[];
  depth: number;
  hasChildren: boolean;
  startMs: number;
  durMs: number;
}

export function attrValue(v: OtlpAnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.arrayValue) return `[${(v.arrayValue.values ?? []).map(attrValue).join(', ')}]`;
  if (v.kvlistValue) return `{${(v.kvlistValue.values ?? []).map((a) => `${a.key}=${attrValue(a.value)}`).join(', ')}}`;
  if (v.bytesValue !== undefined) return v.bytesValue;
  return '';
}

const pairs = (attrs: OtlpAttr[] | undefined): [string, string][] => (attrs ?? []).map((a): [string, string] => [a.key, attrValue(a.value)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** Nanoseconds (decimal string) as fractional milliseconds, without losing precision to a double of ns. */
export function nsToMs(ns: string): number {
  return Number(ns.slice(0, -6) || '0') + Number(ns.slice(-6) || '0') / 1e6;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
function kindName(k: number | string | undefined): string {
  if (typeof k === 'number') return KINDS[k] ?? String(k);
  if (typeof k === 'string') return k.replace(/^SPAN_KIND_/, '').toLowerCase();
  return 'unspecified';
}
const isError = (code: number | string | undefined) => code === 2 || code === 'STATUS_CODE_ERROR';

/** Spans of an OTLP-JSON trace in tree order (children by start time); a span whose parent is missing is a root. */
export function traceRows(t: OtlpTrace): SpanRow[] {
  const batches = t.batches ?? t.resourceSpans ?? t.trace?.batches ?? t.trace?.resourceSpans ?? [];
  const all: SpanRow[] = [];
  for (const b of batches) {
    const resourceAttributes = pairs(b.resource?.attributes);
    const res = Object.fromEntries(resourceAttributes);
    const service = res['service.name'] ?? '';
    for (const ss of b.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const spanAttributes = pairs(span.attributes);
        const startMs = nsToMs(span.startTimeUnixNano);
        all.push({
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          traceId: span.traceId,
          name: span.name,
          service,
          kind: kindName(span.kind),
          error: isError(span.status?.code),
          statusMessage: span.status?.message ?? '',
          spanAttributes,
          resourceAttributes,
          tags: { ...res, ...Object.fromEntries(spanAttributes) },
          events: (span.events ?? []).map((e) => ({ name: e.name, offsetMs: nsToMs(e.timeUnixNano) - startMs, attributes: pairs(e.attributes) })),
          links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: pairs(l.attributes) })),
          depth: 0,
          hasChildren: false,
          startMs,
          durMs: nsToMs(span.endTimeUnixNano) - startMs,
        });
      }
    }
  }
  const ids = new Set(all.map((s) => s.spanId));
  const byParent = new Map<string, SpanRow[]>();
  for (const s of all) {
    const p = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
    let list = byParent.get(p);
    if (!list) byParent.set(p, (list = []));
    list.push(s);
  }
  const out: SpanRow[] = [];
  const walk = (parent: string, depth: number) => {
    const kids = byParent.get(parent);
    if (!kids) return;
    kids.sort((a, b) => a.startMs - b.startMs);
    for (const s of kids) {
      s.depth = depth;
      s.hasChildren = byParent.has(s.spanId);
      out.push(s);
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

/** Rows left visible when the spans in `collapsed` hide their descendants. */
export function visibleRows(rows: SpanRow[], collapsed: ReadonlySet<string>): SpanRow[] {
  const out: SpanRow[] = [];
  let hideBelow = -1;
  for (const r of rows) {
    if (hideBelow >= 0 && r.depth > hideBelow) continue;
    hideBelow = collapsed.has(r.spanId) ? r.depth : -1;
    out.push(r);
  }
  return out;
}

/** About five round tick values (ms) across `0..totalMs` for the time axis. */
export function axisTicks(totalMs: number, n = 5): number[] {
  if (!(totalMs > 0)) return [0];
  const raw = totalMs / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 1) return `${ms.toFixed(ms >= 100 ? 0 : 2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

/** Where a span's duration label goes: right of its bar, left of it, or inside it when the bar fills the row. */
export function labelPlacement(startFrac: number, endFrac: number): 'right' | 'left' | 'inside' {
  if (endFrac <= 0.8) return 'right';
  if (startFrac >= 0.2) return 'left';
  return 'inside';
}
