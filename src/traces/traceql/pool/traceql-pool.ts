import { WorkerPool, pagedCursorHost, type WorkerPoolOptions } from '../../../lib/worker-pool/index.js';
import { BLOCK_START, type ScanItem, type SpanCondition, type TraceCandidateSource } from '../../model/index.js';
import { TraceqlLimitError, traceqlAbortError } from '../errors.js';
import { CandidateEncoder } from './candidate-wire.js';
import type { ScanOpen, ScanPage, TraceqlTask, TraceqlTaskResult } from './protocol.js';
import { errorFromWire, errorToWire } from './protocol.js';

export type { TraceCandidateSource };

/**
 * TraceQL evaluation in a `WorkerPool` (src/lib/worker-pool): the main thread picks the head traces and block
 * traces a query's pushed-down conditions may hold on and hands over their bytes (transferred; `candidate-wire`); the worker
 * decodes the spans and evaluates the query — search or metrics — so a heavy search cannot hold the event loop.
 */
export class TraceqlPool extends WorkerPool<TraceqlTask, TraceqlTaskResult, TraceqlTaskResult> {
  constructor(opts: WorkerPoolOptions) {
    super(
      {
        entry: new URL('./worker.js', import.meta.url),
        callerUrl: import.meta.url,
        name: 'traceql',
        language: 'TraceQL',
        abortError: traceqlAbortError,
        internalError: (message) => new Error(message),
        outOfMemoryError: (heapMb) => new TraceqlLimitError(`query processing would use more memory than a query worker may hold (heap limit ${heapMb ?? 'default'} MiB); the worker was replaced`),
        errorFromWire,
        errorToWire,
        resultFromWire: (r) => r,
      },
      opts,
    );
  }

  /**
   * Evaluate `task` in a worker over `store`, scanning with `conditions` (pushed down from the query as parsed
   * here); canceled when `signal` aborts and, regardless, after its timeout.
   */
  run(store: TraceCandidateSource, task: TraceqlTask, conditions: SpanCondition[], signal?: AbortSignal): Promise<TraceqlTaskResult> {
    // Picking blocks and reading their bytes stay on this thread; decoding is the worker's.
    const encoders = new Map<number, CandidateEncoder>();
    const host = pagedCursorHost<ScanOpen, ScanItem, ScanPage['items'][number]>({
      open: (m) => store.candidates(m.tenant, { startMs: m.startMs, endMs: m.endMs, conditions }),
      toWire: (item, transfer, cursor) => {
        if (item === BLOCK_START) return { wire: BLOCK_START, bytes: 0 };
        let enc = encoders.get(cursor);
        if (!enc) encoders.set(cursor, (enc = new CandidateEncoder()));
        return enc.toWire(item, transfer);
      },
      pageBytes: 4 << 20,
      pageItems: 256,
      firstPageItems: 32,
    });
    return this.submit(task, host, { signal, timeoutMs: task.timeoutMs });
  }
}
