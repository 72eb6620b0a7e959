import type { DetectedField } from '../detected-fields.js';
import type { DetectedFieldsParams, InstantQueryParams, LogSource, LogqlEngine, LogqlEngineOptions, LogqlQueries, RangeQueryParams } from '../engine.js';
import type { LogqlResult } from '../vector.js';
import type { StreamShard } from '../../model/index.js';
import { parseLogql } from '../parser.js';
import { mergeShardResults, planShards, shardShape } from '../shard.js';
import type { DecodedLogSource, LogqlPool } from './logql-pool.js';
import type { LogqlTask } from './protocol.js';
import type { LogqlTaskResult } from './wire.js';

/**
 * The LogQL engine over `store`, evaluated in the pool's workers instead of on the calling thread: same parameters
 * and answers as `LogqlEngine` (the worker runs one). A query given as a parsed expression (not text) runs on
 * `local`, the engine here. With two or more workers, a query that shards by stream (`logql/shard.ts`) over a store
 * that tells its streams' bytes runs as one task per worker over streams of about equal bytes, and their answers
 * are merged: one query on every core.
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
    const r = (await this.sharded(q, p)) ?? (await this.run(q, p));
    if (r.resultType === 'fields') throw new Error('a query answered detected fields');
    return r;
  }

  /**
   * The query as one task per shard of its streams, merged; undefined when it does not shard: one worker, a shape
   * that does not merge, fewer than two streams, or more bytes than a bytes-read limit allows (the limits count the
   * whole query: it then runs whole, and stops where the limit is crossed).
   */
  private async sharded(q: Query, p: Common): Promise<LogqlResult | undefined> {
    const stats = this.store.streamStats?.bind(this.store);
    if (this.pool.size < 2 || q.kind === 'detected_fields' || !stats) return undefined;
    let shape: ReturnType<typeof shardShape>;
    try {
      shape = shardShape(parseLogql(q.query), q.intervalMs);
    } catch {
      return undefined; // the worker answers the parse error
    }
    if (!shape) return undefined;
    const from = q.start - BigInt(shape.beforeMs) * 1_000_000n;
    const streams = await stats(p.tenant, shape.matchers, from, q.end + BigInt(shape.afterMs) * 1_000_000n + 1n);
    if (streams.length < 2) return undefined;
    const bytes = streams.reduce((n, s) => n + s.bytes, 0);
    const over = (limit: number | undefined) => limit !== undefined && limit > 0 && bytes > limit;
    if (over(this.opts.maxQueryBytesRead?.(p.tenant)) || over(this.opts.maxQuerierBytesRead?.(p.tenant))) return undefined;
    const shards = planShards(
      streams.map((s) => ({ key: s.labels.key(), bytes: s.bytes })),
      Math.min(this.pool.size, streams.length),
    );
    // One shard failing stops the others.
    const stop = new AbortController();
    const signal = p.signal ? AbortSignal.any([p.signal, stop.signal]) : stop.signal;
    const rs = await Promise.all(
      shards.map((shard) =>
        this.run(q, { ...p, signal }, shard).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
    const results = rs.map((r) => {
      if (r.resultType === 'fields') throw new Error('a query answered detected fields');
      return r;
    });
    return mergeShardResults(results, p.limit, p.direction, this.opts.maxQuerySeries(p.tenant));
  }

  private run(q: Query, p: Common, shard?: StreamShard): Promise<LogqlTaskResult> {
    const task: LogqlTask = {
      ...q,
      tenant: p.tenant,
      limit: p.limit,
      direction: p.direction,
      maxQuerySeries: this.opts.maxQuerySeries(p.tenant),
      timeoutMs: this.opts.timeoutMs(p.tenant),
      maxQueryBytesRead: this.opts.maxQueryBytesRead?.(p.tenant) ?? 0,
      maxQuerierBytesRead: this.opts.maxQuerierBytesRead?.(p.tenant) ?? 0,
      shard,
    };
    return this.pool.run(this.store, task, p.signal);
  }
}

type Query = Pick<LogqlTask, 'kind' | 'query' | 'start' | 'end' | 'stepMs' | 'intervalMs'>;
type Common = { tenant: string; limit: number; direction: 'forward' | 'backward'; signal?: AbortSignal };
