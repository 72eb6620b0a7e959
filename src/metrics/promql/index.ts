export * from './types.js';
export { Engine, MAX_POINTS_PER_SERIES, type EngineOptions } from './engine.js';
export { parseExpr, parseDurationMs } from './parser.js';
export { formatQuery } from './format.js';
export { TOO_MANY_SAMPLES } from './evaluator.js';
export type { Expr } from './ast.js';
export { xxhash64 } from './xxhash64.js';
