export * from './ast.js';
export { parseTraceql, parseTraceqlDuration } from './parser.js';
export { evalField, evalQuery, evalStages, pushdownConditions, referencedAttributes, type Spanset } from './engine.js';
export { jsonValue, searchTraces, type SearchRequest, type SearchResponse, type TraceSearchMetadata } from './search.js';
export { queryRange, type MetricsRequest, type MetricsSeries } from './metrics.js';
export { localTraceql, type TraceqlQueries } from './queries.js';
export { TraceqlCanceledError, TraceqlLimitError, TraceqlTimeoutError, traceqlAbortError } from './errors.js';
export { TraceqlPool, pooledTraceql, type TraceCandidateSource } from './pool/index.js';
