import { lineBytesOf, type LineBytes } from './line-bytes.js';

/**
 * A decoded push request, as every protocol adapter hands it over: per stream, the label-set string as sent and
 * parallel columns of timestamps (nanoseconds), lines and optional structured metadata. No object per line.
 */
export interface PushStream {
  /** The stream's labels as the client sent them (`{job="x", level="info"}`), or already as pairs for JSON. */
  labels: string;
  ts: bigint[];
  lines: string[];
  /** Structured metadata per entry (undefined when the entry has none); undefined when no entry has any. */
  metadata?: (Array<[string, string]> | undefined)[];
}

export interface PushRequest {
  streams: PushStream[];
}

/**
 * A push stream whose lines are byte ranges (the protobuf decoder's form, the one the distributor works on), its
 * timestamps a `BigInt64Array` column: written and read by optimized code without a bigint object per entry (a
 * `bigint[]` holds one heap object per timestamp, which the collector then copies and marks).
 */
export interface RawPushStream {
  labels: string;
  ts: BigInt64Array;
  lines: LineBytes;
  metadata?: (Array<[string, string]> | undefined)[];
}

export interface RawPushRequest {
  streams: RawPushStream[];
}

/** A stream decoded with string lines (JSON, OTLP) in the byte form: its lines encoded once into one buffer. */
export function rawPushStream(s: PushStream): RawPushStream {
  return { labels: s.labels, ts: BigInt64Array.from(s.ts), lines: lineBytesOf(s.lines), metadata: s.metadata };
}
