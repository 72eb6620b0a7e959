import { abortableSlices } from '../../lib/time-slice.js';
import { visitCandidates, type TagValue, type TraceCandidateSource, type TraceQueryable } from '../model/index.js';
import { traceqlAbortError } from './errors.js';
import { queryRange, type MetricsRequest, type MetricsSeries } from './metrics.js';
import { searchTraces, type SearchRequest, type SearchResponse } from './search.js';
import { filteredTagValues, type TagValuesRequest } from './tag-values.js';

/** What the Tempo API evaluates TraceQL with: on this thread, or in query workers. `q` is the query's text. */
export interface TraceqlQueries {
  search(req: SearchRequest & { q: string }, signal?: AbortSignal): Promise<SearchResponse>;
  metrics(req: MetricsRequest & { q: string }, signal?: AbortSignal): Promise<{ series: MetricsSeries[] }>;
  /** Tag values among the spans a TraceQL filter matches (tag values with `q=`). */
  tagValues(req: TagValuesRequest & { q: string }, signal?: AbortSignal): Promise<TagValue[]>;
}

/**
 * `store` as the engine scans it: decoded a trace at a time, each visit a step of the query lane's slices (other
 * requests run between slices), stopped with the abort error once `signal` aborts.
 */
function slicedStore(store: TraceCandidateSource, signal: AbortSignal | undefined): Pick<TraceQueryable, 'scan'> {
  return {
    scan: (tenant, opts, visit) => {
      const step = abortableSlices(signal, traceqlAbortError);
      return visitCandidates(store.candidates(tenant, opts), async (traceId, entries) => {
        await step();
        return visit(traceId, entries);
      });
    },
  };
}

/**
 * TraceQL on the event loop (`traces.query.workers: 0`): spans are decoded and evaluated here, one trace at a time
 * in slices of the query lane (ingest and other requests run in between), and the query stops at its next trace
 * once `signal` aborts — its deadline (`traces.query.timeout`) or its client gone.
 */
export function localTraceql(store: TraceCandidateSource): TraceqlQueries {
  return {
    search: (req, signal) => searchTraces(slicedStore(store, signal), req),
    metrics: (req, signal) => queryRange(slicedStore(store, signal), req),
    tagValues: (req, signal) => filteredTagValues(slicedStore(store, signal), req),
  };
}
