import type { TraceQueryable } from '../model/index.js';
import { queryRange, type MetricsRequest, type MetricsSeries } from './metrics.js';
import { searchTraces, type SearchRequest, type SearchResponse } from './search.js';

/** What the Tempo API evaluates TraceQL with: on this thread, or in query workers. `q` is the query's text. */
export interface TraceqlQueries {
  search(req: SearchRequest & { q: string }, signal?: AbortSignal): Promise<SearchResponse>;
  metrics(req: MetricsRequest & { q: string }, signal?: AbortSignal): Promise<{ series: MetricsSeries[] }>;
}

/** TraceQL on the event loop (`traces.query.workers: 0`): spans are decoded and evaluated here. */
export function localTraceql(store: Pick<TraceQueryable, 'scan'>): TraceqlQueries {
  return {
    search: (req) => searchTraces(store, req),
    metrics: (req) => queryRange(store, req),
  };
}
