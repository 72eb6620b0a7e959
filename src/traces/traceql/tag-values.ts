import { buildTraceView, type AttrValue, type TraceQueryable } from '../model/index.js';
import type { TraceqlQuery } from './ast.js';
import { evalField, evalQuery, pushdownConditions } from './engine.js';
import { parseTraceql } from './parser.js';

/** Tempo's most distinct values a `q=`-filtered tag-values request gathers before it stops scanning. */
export const MAX_FILTERED_TAG_VALUES = 1000;

/** A tag value as Tempo's v2 tag-values API lists it. */
export interface TagValue {
  type: string;
  value: string;
}

export interface TagValuesRequest {
  tenant: string;
  /** The filter: values come from spans of the spansets it matches. */
  query: TraceqlQuery;
  /** The tag as a TraceQL field (`span.http.method`, `.foo`, `name`). */
  field: string;
  startMs: number;
  endMs: number;
}

/** A value's type as the tag-values API names it. */
export function tagValueType(v: AttrValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int' : 'float';
}

/** The TraceQL spanset filter naming `field` (`{ span.foo != nil }`), parsed: where the value is read from. */
export function tagFieldQuery(field: string): TraceqlQuery {
  return parseTraceql(`{ ${field} != nil }`);
}

/**
 * The distinct values of `field` among the spans of the spansets `query` matches (Tempo's tag values with `q=`),
 * unsorted; the scan stops once `MAX_FILTERED_TAG_VALUES` are found.
 */
export async function filteredTagValues(store: Pick<TraceQueryable, 'scan'>, req: TagValuesRequest): Promise<TagValue[]> {
  const stage = tagFieldQuery(req.field).stages[0];
  const fieldExpr = stage.type === 'filter' && stage.expr?.type === 'binary' ? stage.expr.left : undefined;
  const found = new Map<string, TagValue>();
  if (!fieldExpr) return [];
  await store.scan(req.tenant, { startMs: req.startMs, endMs: req.endMs, conditions: pushdownConditions(req.query.stages) }, (traceId, entries) => {
    const view = buildTraceView(traceId, entries);
    for (const ss of evalQuery(req.query, view)) {
      for (const s of ss.spans) {
        const v = evalField(fieldExpr, s, view);
        if (v === undefined || v === null || Array.isArray(v)) continue;
        found.set(`${typeof v}:${v}`, { type: tagValueType(v), value: String(v) });
      }
    }
    return found.size < MAX_FILTERED_TAG_VALUES;
  });
  return [...found.values()];
}
