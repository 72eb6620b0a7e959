import type { Registry } from 'prom-client';
import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../../../lib/time-slice.js';
import { WorkerPool, type TaskHost } from '../../../lib/worker-pool/index.js';
import type { Querier, Queryable } from '../../storage-api/index.js';
import { PromqlError, type QueryResult } from '../types.js';
import type { PoolQuery, StorageCall, StorageReply } from './protocol.js';
import { errorFromWire, errorToWire, matchersFromWire, resultFromWire, selectionToWire, type WireError as PromqlWireError, type WireResult } from './wire.js';

export { DEFAULT_CANCEL_GRACE_MS } from '../../../lib/worker-pool/index.js';
export type { PoolQuery };

export interface QueryPoolOptions {
  /** Worker threads (at least 1); they are started when the first queries need them. */
  workers: number;
  /** See `DEFAULT_CANCEL_GRACE_MS`. */
  cancelGraceMs?: number;
  /** Heap limit of each worker (MB): a query that exceeds it ends its worker, not the process. */
  maxWorkerHeapMb?: number;
  /** Told when a worker is terminated or dies (for the log). */
  onWorkerExit?: (reason: string) => void;
  /** Where the pool's self-metrics go (`sightline_promql_worker_*`). */
  registry?: Registry;
}

function abortError(reason: 'timeout' | 'canceled'): PromqlError {
  return reason === 'timeout' ? new PromqlError('timeout', 'query timed out in expression evaluation') : new PromqlError('canceled', 'query was canceled in expression evaluation');
}

/** The main thread's side of one query: storage calls answered from `storage`, its queriers closed at the end. */
function storageHost(storage: Queryable): TaskHost<StorageCall, StorageReply> {
  /** The storage queriers opened for this query (by range), closed once it is settled and no call reads them. */
  const queriers = new Map<string, Promise<Querier>>();
  return {
    async serve(m, check) {
      const key = `${m.mint}:${m.maxt}`;
      let qp = queriers.get(key);
      if (!qp) queriers.set(key, (qp = storage.querier(m.mint, m.maxt)));
      const querier = await qp;
      const matchers = matchersFromWire(m.matchers);
      if (m.op === 'labelNames') return { body: { strings: await querier.labelNames(matchers, m.limit) } };
      if (m.op === 'labelValues') return { body: { strings: await querier.labelValues(m.name, matchers, m.limit) } };
      const series = await querier.select(matchers, m.hints, m.sorted);
      check();
      // Samples are read in slices of the query lane, 64 series at a time.
      const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 1, QUERY_LANE);
      const sel = await selectionToWire(series, m.hints.start, m.hints.end, async (i) => {
        if ((i & 63) !== 63 || !slicer.due()) return;
        await slicer.yieldNow();
        check();
      });
      return { body: { selection: sel }, transfer: [sel.t.buffer as ArrayBuffer, sel.v.buffer as ArrayBuffer, sel.offsets.buffer as ArrayBuffer] };
    },
    release() {
      for (const p of queriers.values()) p.then((x) => x.close()).catch(() => {});
      queriers.clear();
    },
  };
}

/**
 * PromQL evaluation in a `WorkerPool` (src/lib/worker-pool): the TSDB stays here, and workers ask for the series
 * of each selector and get their samples in one message (columns transferred, not copied), read in time slices on
 * the query lane.
 */
export class QueryPool {
  private readonly pool: WorkerPool<PoolQuery, QueryResult, WireResult>;

  constructor(opts: QueryPoolOptions) {
    this.pool = new WorkerPool(
      {
        entry: new URL('./worker.js', import.meta.url),
        callerUrl: import.meta.url,
        name: 'promql',
        language: 'PromQL',
        abortError,
        internalError: (message) => new PromqlError('internal', message),
        errorFromWire: (w) => errorFromWire(w as PromqlWireError),
        errorToWire,
        resultFromWire,
      },
      opts,
    );
  }

  get size(): number {
    return this.pool.size;
  }

  /** Workers running now. */
  get workers(): number {
    return this.pool.workers;
  }

  /** Queries running in workers now. */
  get running(): number {
    return this.pool.running;
  }

  /**
   * Evaluate a query in a worker over `storage`. It is canceled when `signal` aborts (reason 'timeout' or anything
   * else for 'canceled') and, whatever the engine does, at its timeout.
   */
  run(storage: Queryable, q: PoolQuery, signal?: AbortSignal): Promise<QueryResult> {
    return this.pool.run(q, storageHost(storage), { signal, timeoutMs: q.timeoutMs ?? q.engine.timeoutMs ?? 120_000 });
  }

  /** Start a worker now (it loads the engine's modules), so that the first query does not wait for it. */
  warm(): void {
    this.pool.warm();
  }

  /** Terminate every worker; running queries fail. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
