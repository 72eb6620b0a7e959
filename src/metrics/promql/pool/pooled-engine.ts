import type { Queryable } from '../../storage-api/index.js';
import type { EngineOptions } from '../engine.js';
import type { PromqlEngine, QueryOptions, QueryResult } from '../types.js';
import type { QueryPool } from './query-pool.js';

/**
 * The PromQL engine over `storage`, evaluated in the query pool's workers instead of on the calling thread. Same
 * contract, options and answers as `Engine` (the worker runs one); only the thread differs.
 */
export class PooledEngine implements PromqlEngine {
  constructor(
    private readonly pool: QueryPool,
    private readonly storage: Queryable,
    private readonly opts: EngineOptions = {},
  ) {}

  instantQuery(expr: string, time: number, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.run('instant', expr, time, time, 0, opts);
  }

  rangeQuery(expr: string, start: number, end: number, step: number, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.run('range', expr, start, end, step, opts);
  }

  private run(kind: 'instant' | 'range', expr: string, start: number, end: number, step: number, opts: QueryOptions): Promise<QueryResult> {
    return this.pool.run(this.storage, { kind, expr, start, end, step, engine: this.opts, lookbackDelta: opts.lookbackDelta, timeoutMs: opts.timeoutMs }, opts.signal);
  }
}
