import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../../../lib/time-slice.js';
import { WorkerPool, type TaskHost, type WorkerPoolOptions } from '../../../lib/worker-pool/index.js';
import { matchersFromWire } from '../../../model/index.js';
import type { DecodedRequest, DecodedSource } from '../../querier/index.js';
import { LogqlEvalError, abortError } from '../errors.js';
import type { LogqlResult } from '../vector.js';
import type { LogqlTask, SelectCall, SelectPage } from './protocol.js';
import { errorFromWire, errorToWire, resultFromWire, sourceToWire, type WireLogqlResult, type WireSource } from './wire.js';

/** The log store as the pool reads it for a worker: what a select would scan, unscanned (src/logs/querier). */
export interface DecodedLogSource {
  decoded(tenant: string, req: DecodedRequest): AsyncIterable<DecodedSource>;
}

/** A page of a cursor holds at least one source and stops after this many line bytes (or `PAGE_SOURCES` sources). */
const PAGE_BYTES = 4 << 20;
const PAGE_SOURCES = 64;

/** The main thread's side of one query: cursors over the store's decoded sources, read a page per call. */
function selectHost(store: DecodedLogSource): TaskHost<SelectCall, SelectPage> {
  const cursors = new Map<number, AsyncIterator<DecodedSource>>();
  let nextCursor = 1;
  return {
    async serve(m, check) {
      let cursor: number;
      if (m.op === 'open') {
        cursor = nextCursor++;
        const it = store.decoded(m.tenant, { matchers: matchersFromWire(m.matchers), start: m.start, end: m.end, direction: m.direction, required: m.required })[Symbol.asyncIterator]();
        cursors.set(cursor, it);
      } else cursor = m.cursor;
      const it = cursors.get(cursor);
      if (m.op === 'close' || !it) {
        cursors.delete(cursor);
        await it?.return?.();
        return { body: { cursor, sources: [], done: true } };
      }
      const sources: WireSource[] = [];
      const transfer: ArrayBuffer[] = [];
      // Selecting and decompressing stay here; the per-source work is a copy of its columns. Slices of the query lane.
      const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 1, QUERY_LANE);
      let bytes = 0;
      for (;;) {
        if (slicer.due()) {
          await slicer.yieldNow();
          check();
        }
        const r = await it.next();
        check();
        if (r.done) {
          cursors.delete(cursor);
          return { body: { cursor, sources, done: true }, transfer };
        }
        sources.push(sourceToWire(r.value, transfer));
        bytes += r.value.chunk?.data.length ?? r.value.block!.lines.reduce((n, l) => n + l.length, 0);
        if (bytes >= PAGE_BYTES || sources.length >= PAGE_SOURCES) return { body: { cursor, sources, done: false }, transfer };
      }
    },
    release() {
      for (const it of cursors.values()) void it.return?.()?.catch(() => {});
      cursors.clear();
    },
  };
}

/**
 * LogQL evaluation in a `WorkerPool` (src/lib/worker-pool): the main thread selects the streams and hands over their
 * chunks and head blocks as decoded columns (buffers transferred); the worker scans them — line filters, parsers,
 * label formatting, metric aggregation — so a heavy `|~`, `| json` or `| logfmt` cannot hold the event loop.
 */
export class LogqlPool extends WorkerPool<LogqlTask, LogqlResult, WireLogqlResult> {
  constructor(opts: WorkerPoolOptions) {
    super(
      {
        entry: new URL('./worker.js', import.meta.url),
        callerUrl: import.meta.url,
        name: 'logql',
        language: 'LogQL',
        abortError,
        internalError: (message) => new Error(message),
        outOfMemoryError: (heapMb) => new LogqlEvalError(`query processing would use more memory than a query worker may hold (heap limit ${heapMb ?? 'default'} MiB); the worker was replaced`),
        errorFromWire,
        errorToWire,
        resultFromWire,
      },
      opts,
    );
  }

  /** Evaluate a query in a worker over `store`; canceled when `signal` aborts and, regardless, after its timeout. */
  run(store: DecodedLogSource, task: LogqlTask, signal?: AbortSignal): Promise<LogqlResult> {
    return this.submit(task, selectHost(store), { signal, timeoutMs: task.timeoutMs });
  }
}
