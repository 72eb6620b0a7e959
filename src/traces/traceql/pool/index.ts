export { TraceqlPool, type TraceCandidateSource } from './traceql-pool.js';
export { pooledTraceql } from './pooled-traceql.js';
