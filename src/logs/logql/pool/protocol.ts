import type { CursorCall, CursorPage } from '../../../lib/worker-pool/index.js';
import type { WireMatcher } from '../../../model/index.js';
import type { StreamShard } from '../../model/index.js';
import type { RangeQueryParams } from '../engine.js';
import type { WireSource } from './wire.js';

/** The payloads of the LogQL pool's messages (the framing is src/lib/worker-pool's). */

/**
 * Pool → worker: a range query (`start`..`end` by `stepMs`), an instant query at `start`, or `detected_fields` over
 * the newest `limit` lines of a log query in `start`..`end`.
 */
export type LogqlTask = Omit<RangeQueryParams, 'query' | 'signal'> & {
  kind: 'range' | 'instant' | 'detected_fields';
  query: string;
  /** The tenant's limits, resolved on the main thread. */
  maxQuerySeries: number;
  timeoutMs: number;
  maxQueryBytesRead: number;
  maxQuerierBytesRead: number;
  /** One shard of a query split by stream (`logql/shard.ts`): its selects read only these streams. */
  shard?: StreamShard;
};

/**
 * Worker → pool: open a cursor over what a select reads (the main thread selects the streams and their chunks and
 * head blocks, keeping of a head block only lines with every `required` literal; the worker scans them), read its
 * next page, or close it early.
 */
export type SelectOpen = { tenant: string; matchers: WireMatcher[]; start: bigint; end: bigint; direction?: 'forward' | 'backward'; required?: readonly string[]; shard?: StreamShard };
export type SelectCall = CursorCall<SelectOpen>;

/** Pool → worker: a page of a cursor's sources, in the select's order; `done` once there are no more. */
export type SelectPage = CursorPage<WireSource>;
