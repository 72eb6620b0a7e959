// The codec alone, not the OTLP index (see src/otlp/proto/index.ts): this module runs in worker threads too.
import { anyValueToJs, bytesToHex, int64ToBigInt, nanosBetween, nanosToMillis, stringAttr } from '../../otlp/proto/index.js';
import type { InstrumentationScope, KeyValue, Resource, ResourceSpans, ScopeSpans, Span } from '../../otlp/index.js';

export type AttrValue = string | number | boolean;
export type AttrMap = Map<string, AttrValue>;

/** One span as the query engine sees it: intrinsics flattened, attributes in maps, tree links filled per trace. */
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  statusCode: number;
  statusMessage: string;
  startNs: bigint;
  startMs: number;
  durationNs: number;
  serviceName: string;
  attrs: AttrMap;
  resourceAttrs: AttrMap;
  scopeName: string;
  scopeVersion: string;
  scopeAttrs: AttrMap;
  events: { name: string; attrs: AttrMap }[];
  links: { traceId: string; spanId: string; attrs: AttrMap }[];
  parent: SpanRow | undefined;
  children: SpanRow[];
  /** Position in the trace (stable order for results). */
  index: number;
}

/** A trace as the query engine sees it. */
export interface TraceView {
  traceId: string;
  spans: SpanRow[];
  rootSpan: SpanRow | undefined;
  rootName: string;
  rootServiceName: string;
  startNs: bigint;
  startMs: number;
  durationNs: number;
}

export function attrMap(kvs: KeyValue[] | undefined): AttrMap {
  const m: AttrMap = new Map();
  if (kvs) for (const kv of kvs) {
    const v = anyValueToJs(kv.value);
    if (v !== undefined) m.set(kv.key, v);
  }
  return m;
}

/** A span together with the resource and scope it was sent with. */
export interface SpanEntry {
  resource: Resource;
  scope: InstrumentationScope;
  span: Span;
}

/**
 * Flatten resource spans into entries (resource and scope objects shared, not copied); `spansOf` reads a scope
 * group's spans (`spanHeads` to leave their attributes encoded).
 */
export function entriesOf(resourceSpans: ResourceSpans[], spansOf: (ss: ScopeSpans) => Span[] = (ss) => ss.spans ?? []): SpanEntry[] {
  const out: SpanEntry[] = [];
  for (const rs of resourceSpans) {
    const resource = rs.resource ?? {};
    for (const ss of rs.scopeSpans ?? []) {
      const scope = ss.scope ?? {};
      for (const span of spansOf(ss)) out.push({ resource, scope, span });
    }
  }
  return out;
}

const contentKeys = new WeakMap<object, string>();

/** Equal resources (or scopes) sent in different requests get the same key. */
function contentKey(o: Resource | InstrumentationScope): string {
  let k = contentKeys.get(o);
  if (k === undefined) {
    const sc = o as InstrumentationScope;
    k = JSON.stringify([sc.name ?? '', sc.version ?? '', (o.attributes ?? []).map((kv) => [kv.key, anyValueToJs(kv.value)])]);
    contentKeys.set(o, k);
  }
  return k;
}

/** Spans of any shape grouped by resource, then by scope. */
export interface SpanGroup<S> {
  resource: Resource;
  scopeSpans: { scope: InstrumentationScope; spans: S[] }[];
}

/** Regroup spans (one group per distinct resource, then per distinct scope); `spanOf` picks what goes in a group. */
export function groupByResource<E extends { resource: Resource; scope: InstrumentationScope }, S>(entries: readonly E[], spanOf: (e: E) => S): SpanGroup<S>[] {
  const byRes = new Map<string, { rs: SpanGroup<S>; byScope: Map<string, S[]> }>();
  // Consecutive spans usually share their resource and scope objects: skip the lookups then.
  let lastRes: object | undefined;
  let lastScope: object | undefined;
  let spans: S[] = [];
  for (const e of entries) {
    if (e.resource !== lastRes || e.scope !== lastScope) {
      const rk = contentKey(e.resource);
      let g = byRes.get(rk);
      if (!g) {
        g = { rs: { resource: e.resource, scopeSpans: [] }, byScope: new Map() };
        byRes.set(rk, g);
      }
      const sk = contentKey(e.scope);
      const found = g.byScope.get(sk);
      if (found) spans = found;
      else {
        spans = [];
        g.byScope.set(sk, spans);
        g.rs.scopeSpans.push({ scope: e.scope, spans });
      }
      lastRes = e.resource;
      lastScope = e.scope;
    }
    spans.push(spanOf(e));
  }
  return [...byRes.values()].map((g) => g.rs);
}

/** Regroup entries into resource spans (one group per distinct resource, then per distinct scope). */
export function groupEntries(entries: SpanEntry[]): ResourceSpans[] {
  return groupByResource(entries, (e) => e.span);
}

const resCache = new WeakMap<object, { attrs: AttrMap; service: string }>();
const scopeCache = new WeakMap<object, AttrMap>();

/** Build the query view of a trace's entries: rows, parent/child links, root and trace-level intrinsics. */
export function buildTraceView(traceId: string, entries: SpanEntry[]): TraceView {
  const rows: SpanRow[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const s = e.span;
    const spanId = bytesToHex(s.spanId);
    if (seen.has(spanId)) continue;
    seen.add(spanId);
    let r = resCache.get(e.resource);
    if (!r) {
      r = { attrs: attrMap(e.resource.attributes), service: stringAttr(e.resource.attributes, 'service.name') ?? '' };
      resCache.set(e.resource, r);
    }
    let sa = scopeCache.get(e.scope);
    if (!sa) {
      sa = attrMap(e.scope.attributes);
      scopeCache.set(e.scope, sa);
    }
    const startNs = int64ToBigInt(s.startTimeUnixNano);
    rows.push({
      traceId,
      spanId,
      parentSpanId: bytesToHex(s.parentSpanId),
      name: s.name ?? '',
      kind: s.kind ?? 0,
      statusCode: s.status?.code ?? 0,
      statusMessage: s.status?.message ?? '',
      startNs,
      startMs: nanosToMillis(s.startTimeUnixNano),
      durationNs: nanosBetween(s.startTimeUnixNano, s.endTimeUnixNano),
      serviceName: r.service,
      attrs: attrMap(s.attributes),
      resourceAttrs: r.attrs,
      scopeName: e.scope.name ?? '',
      scopeVersion: e.scope.version ?? '',
      scopeAttrs: sa,
      events: (s.events ?? []).map((ev) => ({ name: ev.name ?? '', attrs: attrMap(ev.attributes) })),
      links: (s.links ?? []).map((l) => ({ traceId: bytesToHex(l.traceId), spanId: bytesToHex(l.spanId), attrs: attrMap(l.attributes) })),
      parent: undefined,
      children: [],
      index: 0,
    });
  }
  rows.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const byId = new Map<string, SpanRow>();
  for (let i = 0; i < rows.length; i++) {
    rows[i].index = i;
    byId.set(rows[i].spanId, rows[i]);
  }
  let root: SpanRow | undefined;
  let minStart = rows.length ? rows[0].startNs : 0n;
  let maxEnd = minStart;
  for (const r of rows) {
    if (r.parentSpanId !== '') {
      const p = byId.get(r.parentSpanId);
      if (p) {
        r.parent = p;
        p.children.push(r);
      }
    } else if (!root) root = r;
    if (r.startNs < minStart) minStart = r.startNs;
    const end = r.startNs + BigInt(r.durationNs);
    if (end > maxEnd) maxEnd = end;
  }
  return {
    traceId,
    spans: rows,
    rootSpan: root,
    rootName: root?.name ?? '',
    rootServiceName: root?.serviceName ?? '',
    startNs: minStart,
    startMs: Number(minStart / 1000n) / 1000,
    durationNs: Number(maxEnd - minStart),
  };
}

/** Normalise a trace ID from the API: hex, up to 32 digits, left-padded with zeros (as Tempo does). */
export function normalizeTraceId(id: string): string | undefined {
  const s = id.trim().toLowerCase();
  if (s.length === 0 || s.length > 32 || !/^[0-9a-f]+$/.test(s)) return undefined;
  return s.padStart(32, '0');
}
