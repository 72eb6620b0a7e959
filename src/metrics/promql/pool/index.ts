export { QueryPool, DEFAULT_CANCEL_GRACE_MS, outOfMemoryError, type QueryPoolOptions, type PoolQuery } from './query-pool.js';
export { PooledEngine } from './pooled-engine.js';
export { workerHeapMb, MIN_WORKER_HEAP_MB } from '../../../lib/worker-pool/index.js';
