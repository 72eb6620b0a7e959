import { pushdownConditions } from '../engine.js';
import { splitMetricsStage, type MetricsSeries } from '../metrics.js';
import type { TraceqlQueries } from '../queries.js';
import type { SearchResponse } from '../search.js';
import type { TagValue } from '../../model/index.js';
import type { TraceCandidateSource, TraceqlPool } from './traceql-pool.js';

/**
 * TraceQL evaluated in the pool's workers over `store`: same requests and answers as `localTraceql`. The query is
 * parsed here too (the API already did): its pushed-down conditions pick the candidates on this thread.
 */
export function pooledTraceql(pool: TraceqlPool, store: TraceCandidateSource, timeoutMs: number): TraceqlQueries {
  return {
    search: async ({ query, q, ...req }, signal) => (await pool.run(store, { kind: 'search', q, req, timeoutMs }, pushdownConditions(query.stages), signal)) as SearchResponse,
    metrics: async ({ query, q, ...req }, signal) =>
      (await pool.run(store, { kind: 'metrics', q, req, timeoutMs }, pushdownConditions(splitMetricsStage(query).pre), signal)) as { series: MetricsSeries[] },
    tagValues: async ({ query, q, ...req }, signal) => (await pool.run(store, { kind: 'tagValues', q, req, timeoutMs }, pushdownConditions(query.stages), signal)) as TagValue[],
  };
}
