import type { FloatHistogram, Labels } from '../../model/index.js';

/**
 * The PromQL engine's contract with its callers (HTTP API, rules, the long-term tier). Values follow Prometheus's
 * `promql.Value` types; times are ms. The engine evaluates over a `Queryable` and nothing else.
 */
export interface FloatPoint {
  t: number;
  v: number;
}

export interface InstantSample {
  labels: Labels;
  t: number;
  v: number;
  /** Set when the sample is a native histogram (`v` is then meaningless). */
  h?: FloatHistogram;
}

/** A range-query series: columnar points. */
export interface RangeSeries {
  labels: Labels;
  t: Float64Array | number[];
  v: Float64Array | number[];
  /** Native histogram points, parallel to t/v (absent when all points are floats). */
  h?: (FloatHistogram | undefined)[];
}

export type QueryValue =
  | { type: 'vector'; samples: InstantSample[] }
  | { type: 'matrix'; series: RangeSeries[] }
  | { type: 'scalar'; t: number; v: number }
  | { type: 'string'; t: number; v: string };

export interface QueryResult {
  value: QueryValue;
  /** Annotations, as Prometheus returns them in `warnings` and `infos`. */
  warnings: string[];
  infos: string[];
  stats?: { samplesLoaded: number; peakSamples: number; evalMs: number };
}

/** Error kinds map to the API's `errorType` and status: bad_data 400, execution 422, timeout 503, canceled 499/503, internal 500. */
export type PromqlErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export class PromqlError extends Error {
  constructor(
    readonly type: PromqlErrorType,
    message: string,
    /** Character offset span in the expression, for parse and type errors. */
    readonly position?: { start: number; end: number },
  ) {
    super(message);
    this.name = 'PromqlError';
  }
}

export interface QueryOptions {
  /** Per-query overrides; engine defaults come from config `metrics.query`. */
  lookbackDelta?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PromqlEngine {
  instantQuery(expr: string, time: number, opts?: QueryOptions): Promise<QueryResult>;
  rangeQuery(expr: string, start: number, end: number, step: number, opts?: QueryOptions): Promise<QueryResult>;
}
