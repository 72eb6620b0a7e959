import { buildTraceView, type AttrValue, type SpanRow, type TraceView } from '../model/index.js';
import type { TraceQueryable } from '../model/index.js';
import type { FieldExpr, TraceqlQuery } from './ast.js';
import { evalField, evalQuery, fieldName, pushdownConditions, referencedAttributes, type Spanset } from './engine.js';

export interface SearchRequest {
  tenant: string;
  query: TraceqlQuery;
  startMs: number;
  endMs: number;
  limit: number;
  spansPerSpanSet: number;
  /** Trace duration bounds (ns). */
  minDurationNs?: number;
  maxDurationNs?: number;
}

type OtlpJsonValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

export interface SearchSpan {
  spanID: string;
  name?: string;
  startTimeUnixNano: string;
  durationNanos: string;
  attributes?: { key: string; value: OtlpJsonValue }[];
}

export interface SearchSpanSet {
  spans: SearchSpan[];
  matched: number;
  attributes?: { key: string; value: OtlpJsonValue }[];
}

export interface TraceSearchMetadata {
  traceID: string;
  rootServiceName: string;
  rootTraceName?: string;
  startTimeUnixNano: string;
  durationMs?: number;
  spanSet?: SearchSpanSet;
  spanSets?: SearchSpanSet[];
}

export interface SearchResponse {
  traces: TraceSearchMetadata[];
  metrics: { inspectedTraces: number; inspectedBytes: string; completedJobs: number; totalJobs: number };
}

/** An attribute value in OTLP/JSON form (`{"stringValue": ...}`, `{"intValue": "3"}`, ...). */
export function jsonValue(v: AttrValue): OtlpJsonValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function spanOut(s: SpanRow, t: TraceView, fields: FieldExpr[]): SearchSpan {
  const attributes: { key: string; value: OtlpJsonValue }[] = [];
  let name: string | undefined;
  for (const f of fields) {
    if (f.type === 'intrinsic' && f.name === 'name') {
      name = s.name;
      continue;
    }
    const v = evalField(f, s, t);
    if (v === undefined || v === null || Array.isArray(v)) continue;
    attributes.push({ key: f.type === 'attr' ? f.key : fieldName(f), value: jsonValue(v) });
  }
  const out: SearchSpan = { spanID: s.spanId, startTimeUnixNano: s.startNs.toString(), durationNanos: String(s.durationNs) };
  if (name !== undefined) out.name = name;
  if (attributes.length) out.attributes = attributes;
  return out;
}

function spansetOut(ss: Spanset, t: TraceView, referenced: FieldExpr[], spss: number): SearchSpanSet {
  const fields = [...referenced, ...ss.select];
  const out: SearchSpanSet = { spans: ss.spans.slice(0, spss).map((s) => spanOut(s, t, fields)), matched: ss.spans.length };
  const attrs = ss.attrs.filter((a): a is [string, AttrValue] => a[1] !== null).map(([key, v]) => ({ key, value: jsonValue(v) }));
  if (attrs.length) out.attributes = attrs;
  return out;
}

/** TraceQL search over a store: the traces whose spans match, with their matching spansets, most recent first. */
export async function searchTraces(store: Pick<TraceQueryable, 'scan'>, req: SearchRequest): Promise<SearchResponse> {
  const conditions = pushdownConditions(req.query.stages);
  const referenced = referencedAttributes(req.query.stages);
  const found = new Map<string, TraceSearchMetadata>();
  const stats = await store.scan(req.tenant, { startMs: req.startMs, endMs: req.endMs, conditions }, (traceId, entries) => {
    if (found.has(traceId)) return true;
    const view = buildTraceView(traceId, entries);
    if (req.minDurationNs !== undefined && view.durationNs < req.minDurationNs) return true;
    if (req.maxDurationNs !== undefined && view.durationNs > req.maxDurationNs) return true;
    const sets = evalQuery(req.query, view);
    if (sets.length === 0) return true;
    const spanSets = sets.map((ss) => spansetOut(ss, view, referenced, req.spansPerSpanSet));
    const md: TraceSearchMetadata = {
      traceID: traceId,
      rootServiceName: view.rootSpan ? view.rootServiceName : '<root span not yet received>',
      startTimeUnixNano: view.startNs.toString(),
      durationMs: Math.floor(view.durationNs / 1e6),
      spanSet: spanSets[0],
      spanSets,
    };
    if (view.rootSpan) md.rootTraceName = view.rootName;
    found.set(traceId, md);
    return found.size < req.limit;
  });
  const traces = [...found.values()].sort((a, b) => (BigInt(b.startTimeUnixNano) > BigInt(a.startTimeUnixNano) ? 1 : -1));
  return { traces, metrics: { inspectedTraces: stats.inspectedTraces, inspectedBytes: '0', completedJobs: stats.inspectedBlocks + 1, totalJobs: stats.inspectedBlocks + 1 } };
}
