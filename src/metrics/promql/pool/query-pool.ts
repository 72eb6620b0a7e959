import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../../../lib/time-slice.js';
import { WorkerPool, type TaskHost, type WorkerPoolOptions } from '../../../lib/worker-pool/index.js';
import type { Querier, Queryable } from '../../storage-api/index.js';
import { PromqlError, type QueryResult } from '../types.js';
import type { Worker } from 'node:worker_threads';
import { LabelSetIds, workerLabelSetLimit } from './label-sets.js';
import type { PoolQuery, StorageCall, StorageReply } from './protocol.js';
import { errorFromWire, errorToWire, matchersFromWire, encodeSelectionLabels, resultFromWire, selectionToWire, selectionTransferList, type WireError as PromqlWireError, type WireResult } from './wire.js';

export { DEFAULT_CANCEL_GRACE_MS } from '../../../lib/worker-pool/index.js';
export type { PoolQuery };

/** The pool's workers, grace time, heap limit, exit hook and registry (self-metrics `sightline_promql_worker_*`). */
export type QueryPoolOptions = WorkerPoolOptions;

/** What a query that ended its worker by passing the heap limit answers: an execution error (422), as the samples limit. */
export function outOfMemoryError(heapMb: number | undefined): PromqlError {
  return new PromqlError('execution', `query processing would use more memory than a query worker may hold (heap limit ${heapMb ?? 'default'} MiB); the worker was replaced`);
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
      return { body: { selection: sel }, transfer: selectionTransferList(sel) };
    },
    release() {
      for (const p of queriers.values()) p.then((x) => x.close()).catch(() => {});
      queriers.clear();
    },
  };
}

/**
 * PromQL evaluation in a `WorkerPool` (src/lib/worker-pool), so that no query can hold the event loop ingest and
 * every listener share: the TSDB stays here, and workers ask for the series
 * of each selector and get their samples in one message (columns transferred, not copied), read in time slices on
 * the query lane.
 */
/** Per worker: the label sets it holds (label-sets.ts). */
const labelSetIds = new WeakMap<Worker, LabelSetIds>();

export class QueryPool extends WorkerPool<PoolQuery, QueryResult, WireResult> {
  constructor(opts: QueryPoolOptions) {
    super(
      {
        entry: new URL('./worker.js', import.meta.url),
        callerUrl: import.meta.url,
        name: 'promql',
        language: 'PromQL',
        abortError,
        internalError: (message) => new PromqlError('internal', message),
        outOfMemoryError,
        errorFromWire: (w) => errorFromWire(w as PromqlWireError),
        errorToWire,
        resultFromWire,
        encodeReply: (body, worker) => {
          const sel = (body as StorageReply).selection;
          if (!sel) return undefined;
          let ids = labelSetIds.get(worker);
          if (!ids) labelSetIds.set(worker, (ids = new LabelSetIds(workerLabelSetLimit(opts.maxWorkerHeapMb))));
          return encodeSelectionLabels(sel, ids);
        },
      },
      opts,
    );
  }

  /**
   * Evaluate a query in a worker over `storage`. It is canceled when `signal` aborts (reason 'timeout' or anything
   * else for 'canceled') and, whatever the engine does, at its timeout.
   */
  run(storage: Queryable, q: PoolQuery, signal?: AbortSignal): Promise<QueryResult> {
    return this.submit(q, storageHost(storage), { signal, timeoutMs: q.timeoutMs ?? q.engine.timeoutMs ?? 120_000 });
  }
}
