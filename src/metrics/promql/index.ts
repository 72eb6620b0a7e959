export * from './types.js';
export { Engine, MAX_POINTS_PER_SERIES, type EngineOptions } from './engine.js';
export { parseExpr, parseDurationMs, parseMetricSelector } from './parser.js';
export { formatQuery } from './format.js';
export { extractSelectors } from './selectors.js';
export { TOO_MANY_SAMPLES } from './evaluator.js';
export type { Expr } from './ast.js';
export { xxhash64 } from './xxhash64.js';
export { QueryPool, PooledEngine, workerHeapMb, type QueryPoolOptions } from './pool/index.js';
