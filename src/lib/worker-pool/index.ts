export { WorkerPool, DEFAULT_CANCEL_GRACE_MS, type RunOptions, type TaskHost, type WorkerPoolOptions, type WorkerPoolSpec } from './worker-pool.js';
export { serveTasks, type ServeTasksOptions, type TaskContext } from './serve-tasks.js';
export { ConcurrencyGate, type GateGaugeNames } from './concurrency-gate.js';
export { workerHeapMb, MIN_WORKER_HEAP_MB } from './worker-heap.js';
export type { AbortReason, WireError } from './protocol.js';
export { admitted, gated } from './admitted.js';
export { pagedCursorHost, readCursor, workerTurn, type CursorCall, type CursorPage, type PagedCursorOptions } from './paged-cursor.js';
export { errorCodec, type ErrorClass } from './error-codec.js';
