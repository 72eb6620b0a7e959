/**
 * WAL records of native histogram samples, with Prometheus's record type numbers (2.42's tsdb/record:
 * HistogramSamples = 7, FloatHistogramSamples = 8) and its field order, in this WAL's conventions (count first,
 * zig-zag varints for signed values, raw little-endian float64):
 *
 *   count, base ref, base t; per sample: ref − base, t − base, hint byte (0 unknown, 1 reset, 2 not reset,
 *   3 gauge), schema, zero threshold (float64), zero count, count (integer record: uvarint; float record: float64),
 *   sum (float64), #positive spans, (offset, length)…, #negative spans, (offset, length)…,
 *   #positive buckets, buckets…, #negative buckets, buckets… (integer record: Prometheus's delta-encoded buckets as
 *   varints; float record: absolute float64 counts), and for the custom-buckets schema -53: #bounds, float64 bounds.
 */
import { CUSTOM_BUCKETS_SCHEMA, type CounterResetHint } from '../../model/index.js';
import type { ByteReader, ByteWriter } from './byte-codec.js';
import type { BucketSpan, SpanHistogram } from './histogram-chunk-layout.js';

export const REC_HISTOGRAM_SAMPLES = 7;
export const REC_FLOAT_HISTOGRAM_SAMPLES = 8;

export interface HistogramRecordSample {
  ref: number;
  t: number;
  h: SpanHistogram;
  hint: CounterResetHint;
}

const HINTS: CounterResetHint[] = ['unknown', 'reset', 'not_reset', 'gauge'];

export function encodeHistogramSamples(w: ByteWriter, float: boolean, samples: readonly HistogramRecordSample[]): void {
  w.byte(float ? REC_FLOAT_HISTOGRAM_SAMPLES : REC_HISTOGRAM_SAMPLES);
  w.uvarint(samples.length);
  if (samples.length === 0) return;
  const baseRef = samples[0].ref;
  const baseT = samples[0].t;
  w.uvarint(baseRef);
  w.varint(baseT);
  const count = float ? (v: number) => w.float(v) : (v: number) => w.uvarint(v);
  for (const s of samples) {
    const h = s.h;
    w.varint(s.ref - baseRef);
    w.varint(s.t - baseT);
    w.byte(Math.max(0, HINTS.indexOf(s.hint)));
    w.varint(h.schema);
    w.float(h.zeroThreshold);
    count(h.zeroCount);
    count(h.count);
    w.float(h.sum);
    putSpans(w, h.positiveSpans);
    putSpans(w, h.negativeSpans);
    putBuckets(w, float, h.positiveBuckets);
    putBuckets(w, float, h.negativeBuckets);
    if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
      const cv = h.customValues ?? [];
      w.uvarint(cv.length);
      for (const b of cv) w.float(b);
    }
  }
}

function putSpans(w: ByteWriter, spans: readonly BucketSpan[]): void {
  w.uvarint(spans.length);
  for (const s of spans) {
    w.varint(s.offset);
    w.uvarint(s.length);
  }
}

function putBuckets(w: ByteWriter, float: boolean, abs: readonly number[]): void {
  w.uvarint(abs.length);
  let prev = 0;
  for (const v of abs) {
    if (float) w.float(v);
    else w.varint(v - prev);
    prev = v;
  }
}

function readSpans(r: ByteReader): BucketSpan[] {
  const n = r.uvarint();
  const out: BucketSpan[] = [];
  for (let i = 0; i < n; i++) {
    const offset = r.varint();
    out.push({ offset, length: r.uvarint() });
  }
  return out;
}

function readBuckets(r: ByteReader, float: boolean): number[] {
  const n = r.uvarint();
  const out: number[] = [];
  let cur = 0;
  for (let i = 0; i < n; i++) {
    if (float) out.push(r.float());
    else out.push((cur += r.varint()));
  }
  return out;
}

/** The samples of a record of type 7 or 8 whose type byte and count were read already. */
export function decodeHistogramSamples(r: ByteReader, float: boolean, count: number, each: (s: HistogramRecordSample, float: boolean) => void): void {
  if (count === 0) return;
  const baseRef = r.uvarint();
  const baseT = r.varint();
  const num = float ? () => r.float() : () => r.uvarint();
  for (let i = 0; i < count; i++) {
    const ref = baseRef + r.varint();
    const t = baseT + r.varint();
    const hint = HINTS[r.byte()] ?? 'unknown';
    const schema = r.varint();
    const zeroThreshold = r.float();
    const zeroCount = num();
    const cnt = num();
    const sum = r.float();
    const positiveSpans = readSpans(r);
    const negativeSpans = readSpans(r);
    const positiveBuckets = readBuckets(r, float);
    const negativeBuckets = readBuckets(r, float);
    const h: SpanHistogram = { schema, zeroThreshold, zeroCount, count: cnt, sum, positiveSpans, negativeSpans, positiveBuckets, negativeBuckets };
    if (schema === CUSTOM_BUCKETS_SCHEMA) {
      const n = r.uvarint();
      const cv: number[] = [];
      for (let k = 0; k < n; k++) cv.push(r.float());
      h.customValues = cv;
    }
    each({ ref, t, h, hint }, float);
  }
}
