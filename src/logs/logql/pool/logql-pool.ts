import { WorkerPool, pagedCursorHost, type WorkerPoolOptions } from '../../../lib/worker-pool/index.js';
import { matchersFromWire, type Matcher } from '../../../model/index.js';
import type { StreamVolume } from '../../model/index.js';
import type { DecodedRequest, DecodedSource } from '../../querier/index.js';
import { LogqlEvalError, abortError } from '../errors.js';
import type { LogqlTask, SelectOpen } from './protocol.js';
import { errorFromWire, errorToWire, resultFromWire, sourceToWire, type LogqlTaskResult, type WireLogqlResult, type WireSource } from './wire.js';

/** The log store as the pool reads it for a worker: what a select would scan, unscanned (src/logs/querier). */
export interface DecodedLogSource {
  decoded(tenant: string, req: DecodedRequest): AsyncIterable<DecodedSource>;
  /** Per-stream bytes and entries: a store that tells them lets a query be split by stream across the workers. */
  streamStats?(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<StreamVolume[]>;
}

/**
 * LogQL evaluation in a `WorkerPool` (src/lib/worker-pool): the main thread selects the streams and hands over their
 * chunks and head blocks as decoded columns (buffers transferred); the worker scans them — line filters, parsers,
 * label formatting, metric aggregation — so a heavy `|~`, `| json` or `| logfmt` cannot hold the event loop.
 */
export class LogqlPool extends WorkerPool<LogqlTask, LogqlTaskResult, WireLogqlResult> {
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
  run(store: DecodedLogSource, task: LogqlTask, signal?: AbortSignal): Promise<LogqlTaskResult> {
    // Selecting chunks stays on this thread; a chunk crosses compressed (or, from a filesystem store and not cached,
    // as its file's path: the worker reads it), the worker decodes it.
    const host = pagedCursorHost<SelectOpen, DecodedSource, WireSource>({
      open: (m) => store.decoded(m.tenant, { matchers: matchersFromWire(m.matchers), start: m.start, end: m.end, direction: m.direction, required: m.required, shard: m.shard }),
      toWire: (s, transfer) => ({ wire: sourceToWire(s, transfer), bytes: s.stored?.length ?? s.file?.size ?? s.chunk?.data.length ?? s.block!.lines.reduce((n, l) => n + l.length, 0) }),
      pageBytes: 4 << 20,
      pageItems: 64,
    });
    return this.submit(task, host, { signal, timeoutMs: task.timeoutMs });
  }
}
