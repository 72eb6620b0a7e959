import { readCursor, serveTasks, workerTurn, type TaskContext } from '../../../lib/worker-pool/index.js';
import { matchersToWire } from '../../../model/index.js';
import type { EntryBatch, LogQueryable, SelectRequest } from '../../model/index.js';
import { ChunkDecoder, ChunkFileReader, scanChunk } from '../../storage/index.js';
import { LogqlEngine } from '../engine.js';
import { abortError } from '../errors.js';
import type { LogqlTask, SelectCall, SelectPage } from './protocol.js';
import { errorFromWire, errorToWire, resultToWire, sourceFromWire, type WireLogqlResult } from './wire.js';

/**
 * A LogQL query worker: runs the unchanged `LogqlEngine` over a store whose `select` reads pages of decoded chunks
 * and head blocks (as chunk columns) from the main thread and scans them here (pushed-down line filters included). The next page is
 * asked for while this one is scanned; a canceled query stops at its next batch.
 */

type Ctx = TaskContext<SelectCall, SelectPage>;

/** Entries the engine gets at a time from one source (between two looks at the task's cancel signal). */
const SLICE_ENTRIES = 4096;

function sliceBatch(b: EntryBatch, lo: number, hi: number): EntryBatch {
  const ts = ArrayBuffer.isView(b.ts) ? (b.ts as BigInt64Array).subarray(lo, hi) : Array.prototype.slice.call(b.ts, lo, hi);
  return {
    labels: b.labels,
    ts,
    lines: b.lines.slice(lo, hi),
    tsMs: b.tsMs?.subarray(lo, hi),
    metadata: b.metadata?.slice(lo, hi),
    minT: b.minT,
    maxT: b.maxT,
    bytesRead: lo === 0 ? b.bytesRead : 0,
  };
}

function remoteStore(ctx: Ctx, shard: LogqlTask['shard']): Pick<LogQueryable, 'select'> {
  return {
    async *select(tenant: string, req: SelectRequest): AsyncIterable<EntryBatch> {
      // One decoder per select: each source is scanned before the next is decoded into the same arrays.
      const decoder = new ChunkDecoder();
      // Stored chunks of a filesystem store come as their files: read here, into one buffer reused source by source.
      const reader = new ChunkFileReader();
      // A stored chunk without the filter's longest required literal (the one scanChunk searches) has no line to decode.
      const probe = req.filter && req.filter.required.length > 0 ? Buffer.from(req.filter.required.reduce((a, b) => (b.length > a.length ? b : a)), 'utf8') : undefined;
      const open = { tenant, matchers: matchersToWire(req.matchers), start: req.start, end: req.end, direction: req.direction, required: req.filter?.required, shard };
      // readCursor gives the worker's event loop a turn between sources once a slice of work went by.
      for await (const w of readCursor(ctx, open, abortError)) {
        const s = sourceFromWire(w, decoder, probe, reader);
        const b = scanChunk(s.labels, s.chunk!, req.start, req.end, req.filter, req.raw);
        b.minT = s.minT;
        b.maxT = s.maxT;
        b.bytesRead = s.bytes;
        if (b.raw || b.lines.length <= SLICE_ENTRIES) {
          yield b;
          continue;
        }
        // A head block holds tens of thousands of lines, and a heavy pipeline spends most of a second on them:
        // hand them to the engine in slices, letting a cancel message in between (each slice keeps the block's
        // time bounds, which only ever stop a query early for a whole block; its bytes count once).
        for (let lo = 0; lo < b.lines.length; lo += SLICE_ENTRIES) {
          if (lo > 0) await workerTurn(ctx.signal, abortError);
          yield sliceBatch(b, lo, Math.min(lo + SLICE_ENTRIES, b.lines.length));
        }
      }
    },
  };
}

serveTasks<LogqlTask, SelectCall, SelectPage, WireLogqlResult>({
  async run(t, ctx) {
    const engine = new LogqlEngine(remoteStore(ctx, t.shard), {
      maxQuerySeries: () => t.maxQuerySeries,
      timeoutMs: () => t.timeoutMs,
      maxQueryBytesRead: () => t.maxQueryBytesRead,
      maxQuerierBytesRead: () => t.maxQuerierBytesRead,
    });
    const common = { tenant: t.tenant, query: t.query, limit: t.limit, direction: t.direction, signal: ctx.signal };
    const result =
      t.kind === 'range'
        ? await engine.rangeQuery({ ...common, start: t.start, end: t.end, stepMs: t.stepMs, intervalMs: t.intervalMs })
        : t.kind === 'instant'
          ? await engine.instantQuery({ ...common, time: t.start })
          : { resultType: 'fields' as const, fields: await engine.detectedFields({ ...common, start: t.start, end: t.end, lineLimit: t.limit }) };
    const transfer: ArrayBuffer[] = [];
    return { result: resultToWire(result, transfer), transfer };
  },
  // An untyped failure of a canceled query (a rejected call, say) is reported as the cancellation.
  errorToWire: (e, signal) => {
    const w = errorToWire(e);
    return signal.aborted && w.errType === null ? errorToWire(abortError(signal.reason)) : w;
  },
  errorFromWire,
  abortError,
});
