import { WorkerPool, pagedCursorHost, type WorkerPoolOptions } from '../../../lib/worker-pool/index.js';
import { BLOCK_START, type ScanItem, type SpanCondition, type TraceCandidate, type TraceCandidateSource } from '../../model/index.js';
import { Types, encodeTracesData, type InstrumentationScope, type Resource, type ResourceSpans, type Span } from '../../../otlp/index.js';
import { TraceqlLimitError, traceqlAbortError } from '../errors.js';
import type { ScanOpen, ScanPage, TraceqlTask, TraceqlTaskResult, WireCandidate } from './protocol.js';
import { errorFromWire, errorToWire } from './protocol.js';

export type { TraceCandidateSource };

/** Encoded resources and scopes of head spans (shared by the spans of a request), as the encoder takes them. */
const encodedCache = new WeakMap<object, { raw: Uint8Array }>();
function encoded(m: { raw?: Uint8Array }, type: { encode(m: never): { finish(): Uint8Array } }): { raw: Uint8Array } {
  if (m.raw) return m as { raw: Uint8Array };
  let e = encodedCache.get(m);
  if (!e) encodedCache.set(m, (e = { raw: type.encode(m as never).finish() }));
  return e;
}

/**
 * A candidate as a message, with its buffer added to `transfer`: a block trace's bytes copied (a read may be a view
 * of a larger buffer, which a transfer would detach and a clone would copy whole); a head trace encoded as the
 * `TracesData` a block holds — its spans are still their received bytes, so nothing is decoded here.
 */
function candidateToWire(c: TraceCandidate, transfer: ArrayBuffer[]): WireCandidate {
  let data: Uint8Array;
  if ('data' in c) data = new Uint8Array(c.data);
  else {
    // Spans of one request share their resource and scope objects: group by them, each encoded once per request.
    const byResource = new Map<Resource, Map<InstrumentationScope, Span[]>>();
    for (const s of c.spans) {
      let scopes = byResource.get(s.resource);
      if (!scopes) byResource.set(s.resource, (scopes = new Map()));
      let spans = scopes.get(s.scope);
      if (!spans) scopes.set(s.scope, (spans = []));
      spans.push({ raw: s.raw } as Span);
    }
    const rs: ResourceSpans[] = [...byResource].map(([resource, scopes]) => ({
      resource: encoded(resource, Types.Resource) as Resource,
      scopeSpans: [...scopes].map(([scope, spans]) => ({ scope: encoded(scope, Types.InstrumentationScope) as InstrumentationScope, spans })),
    }));
    data = new Uint8Array(encodeTracesData(rs));
  }
  transfer.push(data.buffer as ArrayBuffer);
  return { id: c.id, data };
}

/**
 * TraceQL evaluation in a `WorkerPool` (src/lib/worker-pool): the main thread picks the head traces and block
 * traces a query's pushed-down conditions may hold on and hands over their encoded bytes (transferred); the worker
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
    const host = pagedCursorHost<ScanOpen, ScanItem, ScanPage['items'][number]>({
      open: (m) => store.candidates(m.tenant, { startMs: m.startMs, endMs: m.endMs, conditions }),
      toWire: (item, transfer) => {
        if (item === BLOCK_START) return { wire: BLOCK_START, bytes: 0 };
        const wire = candidateToWire(item, transfer);
        return { wire, bytes: wire.data.length };
      },
      pageBytes: 4 << 20,
      pageItems: 256,
      firstPageItems: 32,
    });
    return this.submit(task, host, { signal, timeoutMs: task.timeoutMs });
  }
}
