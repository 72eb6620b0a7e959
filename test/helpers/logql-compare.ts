import { LogqlEngine, PooledLogqlEngine, type LogStore, type LogqlEngineOptions, type LogqlPool, type LogqlResult } from '../../src/logs/index.js';

/** A result without its stats (execution time differs), streams as a map of label set to lines. */
export function logqlAnswer(r: LogqlResult): unknown {
  if (r.resultType === 'streams') return Object.fromEntries(r.streams.map((s) => [s.labels.key(), s.lines]).sort());
  if (r.resultType === 'matrix') return r.series.map((s) => [s.labels.key(), s.points]);
  if (r.resultType === 'vector') return r.samples.map((s) => [s.labels.key(), s.t, s.value]);
  return r;
}

/** The engine on this thread over `store`, and the same through `pool` (what a differential test compares). */
export function localAndPooled(store: LogStore, pool: LogqlPool, opts: LogqlEngineOptions): { local: LogqlEngine; pooled: PooledLogqlEngine } {
  const local = new LogqlEngine(store, opts);
  return { local, pooled: new PooledLogqlEngine(pool, store, local, opts) };
}
