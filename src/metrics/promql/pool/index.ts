export { QueryPool, DEFAULT_CANCEL_GRACE_MS, type QueryPoolOptions, type PoolQuery } from './query-pool.js';
export { PooledEngine } from './pooled-engine.js';
