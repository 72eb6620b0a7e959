import { RegexSyntaxError } from '../../../lib/regex/index.js';
import { errorCodec, type CursorCall, type CursorPage } from '../../../lib/worker-pool/index.js';
import { TraceqlParseError } from '../ast.js';
import { TraceqlCanceledError, TraceqlLimitError, TraceqlTimeoutError, traceqlAbortError } from '../errors.js';
import type { MetricsRequest, MetricsSeries } from '../metrics.js';
import type { SearchRequest, SearchResponse } from '../search.js';
import type { TagValue } from '../../model/index.js';
import type { TagValuesRequest } from '../tag-values.js';

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

/** A block's candidate as it crosses: its trace as the encoded OTLP `TracesData` the block holds. */
export interface WireBlockCandidate {
  id: string;
  data: Uint8Array;
}

/**
 * A head candidate as it crosses: its spans' bytes as they arrived, back to back (`spans`), with each span's length
 * and group (`meta`: length, group, length, group, ...). A group is a resource and scope pair, numbered per cursor;
 * the first candidate of a cursor using one carries its definition (`groups`: its number and a `TracesData` of the
 * resource and scope with no spans), so a worker decodes each once per query, and nothing is re-encoded.
 */
export interface WireHeadCandidate {
  id: string;
  spans: Uint8Array;
  meta: Uint32Array;
  groups?: { n: number; data: Uint8Array }[];
}

export type WireCandidate = WireBlockCandidate | WireHeadCandidate;

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
