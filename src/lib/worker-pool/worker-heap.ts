const MIB = 1024 * 1024;

/** The smallest default heap limit of a query worker (MiB): below it the engine's own modules barely fit. */
export const MIN_WORKER_HEAP_MB = 64;

/**
 * The heap limit (MiB) of each query worker of a pool (PromQL, LogQL): the configured size when given, else half of the process's
 * memory limit shared by the workers (the other half is the main thread's: the TSDB head, ingest, every listener),
 * at least `MIN_WORKER_HEAP_MB`.
 */
export function workerHeapMb(configuredBytes: number | undefined, memoryLimitBytes: number, workers: number): number {
  if (configuredBytes !== undefined && configuredBytes > 0) return Math.max(1, Math.floor(configuredBytes / MIB));
  return Math.max(MIN_WORKER_HEAP_MB, Math.floor(memoryLimitBytes / 2 / Math.max(1, workers) / MIB));
}
