export { LogqlPool, type DecodedLogSource } from './logql-pool.js';
export { PooledLogqlEngine } from './pooled-engine.js';
