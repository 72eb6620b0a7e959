import { DistinctTagValues, buildTraceView, type TagValue, type TraceQueryable } from '../model/index.js';
import type { TraceqlQuery } from './ast.js';
import { evalField, evalQuery, pushdownConditions } from './engine.js';
import { parseTraceql } from './parser.js';

export interface TagValuesRequest {
  tenant: string;
  /** The filter: values come from spans of the spansets it matches. */
  query: TraceqlQuery;
  /** The tag as a TraceQL field (`span.http.method`, `.foo`, `name`). */
  field: string;
  startMs: number;
  endMs: number;
  /** The tenant's `max_bytes_per_tag_values_query` (0: unlimited): the scan stops once the values reach it. */
  maxBytes: number;
}

/** The TraceQL spanset filter naming `field` (`{ span.foo != nil }`), parsed: where the value is read from. */
export function tagFieldQuery(field: string): TraceqlQuery {
  return parseTraceql(`{ ${field} != nil }`);
}

/**
 * The distinct values of `field` among the spans of the spansets `query` matches (Tempo's tag values with `q=`),
 * unsorted; the scan stops once they reach `maxBytes` (v2's measure: type and value), with those found before.
 */
export async function filteredTagValues(store: Pick<TraceQueryable, 'scan'>, req: TagValuesRequest): Promise<TagValue[]> {
  const stage = tagFieldQuery(req.field).stages[0];
  const fieldExpr = stage.type === 'filter' && stage.expr?.type === 'binary' ? stage.expr.left : undefined;
  const found = new DistinctTagValues(req.maxBytes, 'v2');
  if (!fieldExpr) return [];
  await store.scan(req.tenant, { startMs: req.startMs, endMs: req.endMs, conditions: pushdownConditions(req.query.stages) }, (traceId, entries) => {
    const view = buildTraceView(traceId, entries);
    for (const ss of evalQuery(req.query, view)) {
      for (const s of ss.spans) {
        const v = evalField(fieldExpr, s, view);
        if (v === undefined || v === null || Array.isArray(v)) continue;
        if (found.collect(v)) return false;
      }
    }
    return true;
  });
  return found.values();
}
