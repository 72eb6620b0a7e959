export * from './ast.js';
export { parseTraceql, parseTraceqlDuration } from './parser.js';
export { evalField, evalQuery, evalStages, pushdownConditions, referencedAttributes, type Spanset } from './engine.js';
export { jsonValue, searchTraces, type SearchRequest, type SearchResponse, type TraceSearchMetadata } from './search.js';
export { queryRange, type MetricsRequest, type MetricsSeries } from './metrics.js';
export { localTraceql, type TraceqlQueries } from './queries.js';
export { MAX_FILTERED_TAG_VALUES, tagFieldQuery, tagValueType, type TagValue, type TagValuesRequest } from './tag-values.js';
export { TraceqlCanceledError, TraceqlLimitError, TraceqlTimeoutError, traceqlAbortError } from './errors.js';
export { TraceqlPool, pooledTraceql, type TraceCandidateSource } from './pool/index.js';
