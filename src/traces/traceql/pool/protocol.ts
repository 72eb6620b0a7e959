import { RegexSyntaxError } from '../../../lib/regex/index.js';
import { errorCodec, type CursorCall, type CursorPage } from '../../../lib/worker-pool/index.js';
import { TraceqlParseError } from '../ast.js';
import { TraceqlCanceledError, TraceqlLimitError, TraceqlTimeoutError, traceqlAbortError } from '../errors.js';
import type { MetricsRequest, MetricsSeries } from '../metrics.js';
import type { SearchRequest, SearchResponse } from '../search.js';
import type { TagValue, TagValuesRequest } from '../tag-values.js';

/** The payloads of the TraceQL pool's messages (the framing is src/lib/worker-pool's). */

/** Pool → worker: a search, a metrics query or a filtered tag-values lookup, as its text (the worker parses it again). */
export type TraceqlTask = { q: string; timeoutMs: number } & (
  | { kind: 'search'; req: Omit<SearchRequest, 'query'> }
  | { kind: 'metrics'; req: Omit<MetricsRequest, 'query'> }
  | { kind: 'tagValues'; req: Omit<TagValuesRequest, 'query'> }
);

export type TraceqlTaskResult = SearchResponse | { series: MetricsSeries[] } | TagValue[];

/**
 * Worker → pool: open the scan of a tenant's traces in a time range (the main thread applies the pushed-down
 * conditions of the query it parsed), read its next page, or close it early.
 */
export type ScanOpen = { tenant: string; startMs: number; endMs: number };
export type ScanCall = CursorCall<ScanOpen>;

/** A candidate as it crosses: its trace as encoded OTLP `TracesData` (a head trace is encoded so on the main thread). */
export interface WireCandidate {
  id: string;
  data: Uint8Array;
}

/** Pool → worker: a page of the scan's items in order (`block` marks a block's start); `done` once there are no more. */
export type ScanPage = CursorPage<WireCandidate | 'block'>;

export const { toWire: errorToWire, fromWire: errorFromWire } = errorCodec(
  [
    ['parse', TraceqlParseError],
    ['limit', TraceqlLimitError],
    // A regex the worker refused (invalid RE2): its message already names the pattern; the API answers 400.
    ['regex', RegexSyntaxError, (message) => new RegexSyntaxError('', message)],
  ],
  traceqlAbortError,
  (e) => (e instanceof TraceqlTimeoutError ? 'timeout' : e instanceof TraceqlCanceledError ? 'canceled' : undefined),
);
