import type { DetectedField } from '../detected-fields.js';
import type { DetectedFieldsParams, InstantQueryParams, LogSource, LogqlEngine, LogqlEngineOptions, LogqlQueries, RangeQueryParams } from '../engine.js';
import type { LogqlResult } from '../vector.js';
import type { DecodedLogSource, LogqlPool } from './logql-pool.js';
import type { LogqlTask } from './protocol.js';
import type { LogqlTaskResult } from './wire.js';

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
    return this.query({ kind: 'range', query: p.query, start: p.start, end: p.end, stepMs: p.stepMs, intervalMs: p.intervalMs }, p);
  }

  instantQuery(p: InstantQueryParams): Promise<LogqlResult> {
    if (typeof p.query !== 'string') return this.local.instantQuery(p);
    return this.query({ kind: 'instant', query: p.query, start: p.time, end: p.time, stepMs: 0 }, p);
  }

  async detectedFields(p: DetectedFieldsParams): Promise<DetectedField[]> {
    const r = await this.run({ kind: 'detected_fields', query: p.query, start: p.start, end: p.end, stepMs: 1000 }, { ...p, limit: p.lineLimit, direction: 'backward' });
    if (r.resultType !== 'fields') throw new Error(`detected_fields answered ${r.resultType}`);
    return r.fields;
  }

  over(source: LogSource): PooledLogqlEngine {
    return new PooledLogqlEngine(this.pool, source, this.local.over(source), this.opts);
  }

  private async query(q: Query, p: Common): Promise<LogqlResult> {
    const r = await this.run(q, p);
    if (r.resultType === 'fields') throw new Error('a query answered detected fields');
    return r;
  }

  private run(q: Query, p: Common): Promise<LogqlTaskResult> {
    const task: LogqlTask = {
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

type Query = Pick<LogqlTask, 'kind' | 'query' | 'start' | 'end' | 'stepMs' | 'intervalMs'>;
type Common = { tenant: string; limit: number; direction: 'forward' | 'backward'; signal?: AbortSignal };
