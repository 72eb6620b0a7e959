import { TemplateError } from '../../../lib/go-template/index.js';
import type { WireError } from '../../../lib/worker-pool/index.js';
import { labelsFromWire, labelsToWire, type WireLabels } from '../../../model/index.js';
import type { DecodedSource } from '../../querier/index.js';
import { LogqlEvalError, QueryCanceledError, QueryTimeoutError, SeriesLimitError, timeoutError } from '../errors.js';
import { LogqlParseError } from '../parser.js';
import type { LogqlResult, QueryStats } from '../vector.js';

/**
 * What crosses the thread boundary between the LogQL pool (main thread: the log store) and its workers. A chunk or
 * head block travels as its decoded columns — line bytes back to back, their offsets and timestamps — in buffers
 * transferred, not copied, and not as an object per line; results travel as columns too.
 */

export interface WireSource {
  labels: WireLabels;
  minT: bigint;
  maxT: bigint;
  n: number;
  base: bigint;
  off: Float64Array;
  offsets: Uint32Array;
  data: Uint8Array;
  metadata?: (Array<[string, string]> | undefined)[];
}

/**
 * A source as a message, with its buffers added to `transfer`. The columns are copied first: a decoded chunk may
 * be the chunk cache's, and a small Buffer shares Node's allocation pool (a transfer would detach either).
 */
export function sourceToWire(s: DecodedSource, transfer: ArrayBuffer[]): WireSource {
  const d = s.chunk;
  const w: WireSource = { labels: labelsToWire(s.labels), minT: s.minT, maxT: s.maxT, n: d.n, base: d.base, off: d.off.slice(), offsets: d.offsets.slice(), data: new Uint8Array(d.data), metadata: d.metadata };
  transfer.push(w.off.buffer as ArrayBuffer, w.offsets.buffer as ArrayBuffer, w.data.buffer as ArrayBuffer);
  return w;
}

export function sourceFromWire(w: WireSource): DecodedSource {
  const data = Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength);
  return { labels: labelsFromWire(w.labels), minT: w.minT, maxT: w.maxT, chunk: { n: w.n, base: w.base, off: w.off, offsets: w.offsets, data, metadata: w.metadata } };
}

export type WireLogqlResult =
  | { resultType: 'streams'; streams: { labels: WireLabels; ts: BigInt64Array; lines: string[] }[]; stats: QueryStats }
  | { resultType: 'matrix'; series: { labels: WireLabels; t: Float64Array; v: Float64Array }[]; stats: QueryStats }
  | { resultType: 'vector'; samples: { labels: WireLabels; t: number; value: number }[]; stats: QueryStats }
  | { resultType: 'scalar'; t: number; value: number; stats: QueryStats };

/** A result as a message, with its column buffers added to `transfer`. */
export function resultToWire(r: LogqlResult, transfer: ArrayBuffer[]): WireLogqlResult {
  switch (r.resultType) {
    case 'streams':
      return {
        ...r,
        streams: r.streams.map((s) => {
          const ts = BigInt64Array.from(s.ts);
          transfer.push(ts.buffer);
          return { labels: labelsToWire(s.labels), ts, lines: s.lines };
        }),
      };
    case 'matrix':
      return {
        ...r,
        series: r.series.map((s) => {
          const t = Float64Array.from(s.points, (p) => p[0]);
          const v = Float64Array.from(s.points, (p) => p[1]);
          transfer.push(t.buffer, v.buffer);
          return { labels: labelsToWire(s.labels), t, v };
        }),
      };
    case 'vector':
      return { ...r, samples: r.samples.map((s) => ({ labels: labelsToWire(s.labels), t: s.t, value: s.value })) };
    default:
      return r;
  }
}

export function resultFromWire(w: WireLogqlResult): LogqlResult {
  switch (w.resultType) {
    case 'streams':
      return { ...w, streams: w.streams.map((s) => ({ labels: labelsFromWire(s.labels), ts: Array.from(s.ts), lines: s.lines })) };
    case 'matrix':
      return { ...w, series: w.series.map((s) => ({ labels: labelsFromWire(s.labels), points: Array.from(s.t, (t, i) => [t, s.v[i]] as [number, number]) })) };
    case 'vector':
      return { ...w, samples: w.samples.map((s) => ({ labels: labelsFromWire(s.labels), t: s.t, value: s.value })) };
    default:
      return w;
  }
}

/** LogQL's errors by wire type: each comes back as its class (the API maps classes to Loki's status codes). */
const ERROR_TYPES: [string, new (message: string) => Error][] = [
  ['parse', LogqlParseError],
  ['template', TemplateError],
  ['series_limit', SeriesLimitError],
  ['eval', LogqlEvalError],
];

export function errorToWire(e: unknown): WireError {
  if (e instanceof QueryTimeoutError) return { errType: 'timeout', message: e.message };
  if (e instanceof QueryCanceledError) return { errType: 'canceled', message: e.message };
  for (const [errType, cls] of ERROR_TYPES) if (e instanceof cls) return { errType, message: (e as Error).message };
  return { errType: null, message: e instanceof Error ? e.message : String(e) };
}

export function errorFromWire(w: WireError): Error {
  if (w.errType === 'timeout') return timeoutError();
  if (w.errType === 'canceled') return new QueryCanceledError();
  const cls = ERROR_TYPES.find(([t]) => t === w.errType)?.[1];
  return cls ? new cls(w.message) : new Error(w.message);
}
