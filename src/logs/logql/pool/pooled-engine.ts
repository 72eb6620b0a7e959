import type { InstantQueryParams, LogqlEngine, LogqlEngineOptions, LogqlQueries, RangeQueryParams } from '../engine.js';
import type { LogqlResult } from '../vector.js';
import type { DecodedLogSource, LogqlPool } from './logql-pool.js';

/**
 * The LogQL engine over `store`, evaluated in the pool's workers instead of on the calling thread: same parameters
 * and answers as `LogqlEngine` (the worker runs one). A query given as a parsed expression (not text) runs on
 * `local`, the engine here.
 */
export class PooledLogqlEngine implements LogqlQueries {
  constructor(
    private readonly pool: LogqlPool,
    private readonly store: DecodedLogSource,
    private readonly local: LogqlEngine,
    private readonly opts: LogqlEngineOptions,
  ) {}

  rangeQuery(p: RangeQueryParams): Promise<LogqlResult> {
    if (typeof p.query !== 'string') return this.local.rangeQuery(p);
    return this.run({ kind: 'range', query: p.query, start: p.start, end: p.end, stepMs: p.stepMs, intervalMs: p.intervalMs }, p);
  }

  instantQuery(p: InstantQueryParams): Promise<LogqlResult> {
    if (typeof p.query !== 'string') return this.local.instantQuery(p);
    return this.run({ kind: 'instant', query: p.query, start: p.time, end: p.time, stepMs: 0 }, p);
  }

  private run(
    q: { kind: 'range' | 'instant'; query: string; start: bigint; end: bigint; stepMs: number; intervalMs?: number },
    p: { tenant: string; limit: number; direction: 'forward' | 'backward'; signal?: AbortSignal },
  ): Promise<LogqlResult> {
    const task = {
      ...q,
      tenant: p.tenant,
      limit: p.limit,
      direction: p.direction,
      maxQuerySeries: this.opts.maxQuerySeries(p.tenant),
      timeoutMs: this.opts.timeoutMs(p.tenant),
      maxQueryBytesRead: this.opts.maxQueryBytesRead?.(p.tenant) ?? 0,
      maxQuerierBytesRead: this.opts.maxQuerierBytesRead?.(p.tenant) ?? 0,
    };
    return this.pool.run(this.store, task, p.signal);
  }
}
