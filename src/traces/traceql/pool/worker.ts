import { readCursor, serveTasks, type TaskContext } from '../../../lib/worker-pool/index.js';
// The pure modules only: the trace store (src/traces/ingester, blocks) pulls in the WAL and with it `fs-ext`, a
// native addon that cannot be loaded in a second thread (the process aborts).
import { visitCandidates, type ScanOptions, type SpanEntry, type TraceQueryable } from '../../model/index.js';
import { traceqlAbortError } from '../errors.js';
import { queryRange } from '../metrics.js';
import { parseTraceql } from '../parser.js';
import { searchTraces } from '../search.js';
import { filteredTagValues } from '../tag-values.js';
import { candidatesFromWire } from './candidate-wire.js';
import { errorFromWire, errorToWire, type ScanCall, type ScanPage, type TraceqlTask, type TraceqlTaskResult } from './protocol.js';

/**
 * A TraceQL query worker: runs the unchanged search, metrics and filtered tag-values evaluation over a store whose `scan` reads pages of
 * encoded candidate traces from the main thread (`readCursor`: the next page is asked for while this one is
 * evaluated; a canceled query stops at its next trace) and decodes them here.
 */

type Ctx = TaskContext<ScanCall, ScanPage>;

function remoteStore(ctx: Ctx): Pick<TraceQueryable, 'scan'> {
  return {
    scan: (tenant: string, opts: ScanOptions, visit: (traceId: string, entries: SpanEntry[]) => boolean | Promise<boolean>) => visitCandidates(candidatesFromWire(readCursor(ctx, { tenant, startMs: opts.startMs, endMs: opts.endMs }, traceqlAbortError)), visit),
  };
}

serveTasks<TraceqlTask, ScanCall, ScanPage, TraceqlTaskResult>({
  async run(t, ctx) {
    const store = remoteStore(ctx);
    const query = parseTraceql(t.q);
    const result =
      t.kind === 'search' ? await searchTraces(store, { ...t.req, query }) : t.kind === 'metrics' ? await queryRange(store, { ...t.req, query }) : await filteredTagValues(store, { ...t.req, query });
    return { result };
  },
  // An untyped failure of a canceled query (a rejected call, say) is reported as the cancellation.
  errorToWire: (e, signal) => {
    const w = errorToWire(e);
    return signal.aborted && w.errType === null ? errorToWire(traceqlAbortError(signal.reason)) : w;
  },
  errorFromWire,
  abortError: traceqlAbortError,
});
