/**
 * The parts the two histogram chunk encodings share (Prometheus's tsdb/chunkenc/histogram_meta.go): the chunk
 * header byte's counter-reset bits, the layout written once per chunk (zero threshold, schema, positive and
 * negative spans, and for the custom-buckets schema -53 the bounds) and bucket layouts as sets of bucket indexes.
 */
import { CUSTOM_BUCKETS_SCHEMA } from '../../model/index.js';
import type { BitReader, BitWriter } from './bit-stream.js';

/** A run of `length` consecutive buckets, `offset` buckets after the previous run (the first: from index 0). */
export interface BucketSpan {
  offset: number;
  length: number;
}

/** Bits 7-6 of the chunk's third byte (Prometheus's `CounterResetHeader`). */
export const enum CounterResetHeader {
  Unknown = 0b00000000,
  CounterReset = 0b10000000,
  NotCounterReset = 0b01000000,
  GaugeType = 0b11000000,
}

/** Sample count (u16 BE) and the counter-reset header byte. */
export const HISTOGRAM_CHUNK_HEADER = 3;


/**
 * A histogram as the chunks store it: sparse buckets in spans, bucket counts absolute (the integer encoding
 * derives Prometheus's delta-encoded buckets itself). `hint` is the counter-reset hint of a read sample.
 */
export interface SpanHistogram {
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: BucketSpan[];
  negativeSpans: BucketSpan[];
  positiveBuckets: number[];
  negativeBuckets: number[];
  customValues?: number[];
}

export interface ChunkLayout {
  schema: number;
  zeroThreshold: number;
  positiveSpans: BucketSpan[];
  negativeSpans: BucketSpan[];
  customValues?: number[];
}

export function counterResetHeaderOf(chunk: Uint8Array): CounterResetHeader {
  return (chunk[2] & 0b11000000) as CounterResetHeader;
}

export function setCounterResetHeader(chunk: Uint8Array, h: CounterResetHeader): void {
  chunk[2] = (chunk[2] & 0b00111111) | h;
}

export function histogramChunkNumSamples(chunk: Uint8Array): number {
  return (chunk[0] << 8) | chunk[1];
}

export function writeChunkLayout(w: BitWriter, l: ChunkLayout): void {
  putZeroThreshold(w, l.zeroThreshold);
  w.varbitInt(l.schema);
  putSpans(w, l.positiveSpans);
  putSpans(w, l.negativeSpans);
  if (l.schema === CUSTOM_BUCKETS_SCHEMA) {
    const cv = l.customValues ?? [];
    w.varbitUint(cv.length);
    for (const b of cv) putCustomBound(w, b);
  }
}

export function readChunkLayout(r: BitReader): ChunkLayout {
  const zeroThreshold = readZeroThreshold(r);
  const schema = r.varbitInt();
  const positiveSpans = readSpans(r);
  const negativeSpans = readSpans(r);
  const layout: ChunkLayout = { schema, zeroThreshold, positiveSpans, negativeSpans };
  if (schema === CUSTOM_BUCKETS_SCHEMA) {
    const n = r.varbitUint();
    const cv: number[] = [];
    for (let i = 0; i < n; i++) cv.push(readCustomBound(r));
    layout.customValues = cv;
  }
  return layout;
}

function putSpans(w: BitWriter, spans: readonly BucketSpan[]): void {
  w.varbitUint(spans.length);
  for (const s of spans) {
    w.varbitUint(s.length);
    w.varbitInt(s.offset);
  }
}

function readSpans(r: BitReader): BucketSpan[] {
  const n = r.varbitUint();
  const spans: BucketSpan[] = [];
  for (let i = 0; i < n; i++) {
    const length = r.varbitUint();
    spans.push({ length, offset: r.varbitInt() });
  }
  return spans;
}

/**
 * One byte for 0 and for powers of two 2^-243..2^10 (exponent of Go's `math.Frexp` + 243), else 255 and the
 * float64 (Prometheus's `putZeroThreshold`).
 */
function putZeroThreshold(w: BitWriter, t: number): void {
  if (t === 0) return w.writeBits(0, 8);
  const exp = frexpExponent(t);
  if (exp === undefined || exp < -242 || exp > 11) {
    w.writeBits(255, 8);
    w.writeFloat(t);
    return;
  }
  w.writeBits(exp + 243, 8);
}

/** The exponent e with t = 0.5 × 2^e when t is such a power of two (Frexp's fraction exactly 0.5), else undefined. */
function frexpExponent(t: number): number | undefined {
  if (!(t > 0) || !Number.isFinite(t)) return undefined;
  const e = Math.round(Math.log2(t));
  if (2 ** e !== t) return undefined;
  return e + 1;
}

function readZeroThreshold(r: BitReader): number {
  const b = r.readBits(8);
  if (b === 0) return 0;
  if (b === 255) return r.readFloat();
  return 0.5 * 2 ** (b - 243);
}

/** Bounds that are multiples of 0.001 in [0, 33554.43] as varbit uint (×1000 + 1); others as '0' and a float64. */
function putCustomBound(w: BitWriter, f: number): void {
  const tf = f * 1000;
  if (tf < 0 || tf > 33554430 || Math.round(tf) / 1000 !== f) {
    w.writeBits(0, 1);
    w.writeFloat(f);
    return;
  }
  w.varbitUint(Math.round(tf) + 1);
}

function readCustomBound(r: BitReader): number {
  const b = r.varbitUint();
  if (b === 0) return r.readFloat();
  return (b - 1) / 1000;
}

/** Number of buckets the spans describe. */
export function spanBucketCount(spans: readonly BucketSpan[]): number {
  let n = 0;
  for (const s of spans) n += s.length;
  return n;
}

/** The bucket indexes the spans cover, in order. */
export function spanIndexes(spans: readonly BucketSpan[]): number[] {
  const out: number[] = [];
  let idx = 0;
  for (let i = 0; i < spans.length; i++) {
    idx += spans[i].offset;
    for (let k = 0; k < spans[i].length; k++) out.push(idx++);
  }
  return out;
}

/** Spans from sorted unique bucket indexes (one span per run of consecutive indexes). */
export function spansFromIndexes(idx: readonly number[]): BucketSpan[] {
  const spans: BucketSpan[] = [];
  let next = 0;
  for (let i = 0; i < idx.length; i++) {
    if (spans.length > 0 && idx[i] === next) spans[spans.length - 1].length++;
    else spans.push({ offset: idx[i] - next, length: 1 });
    next = idx[i] + 1;
  }
  return spans;
}

/** Sorted union of two sorted index lists. */
export function unionIndexes(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      out.push(a[i++]);
      j++;
    }
  }
  return out;
}

/** Bucket values on `fromIdx` re-laid onto `toIdx` (a superset or any other set: missing buckets read 0). */
export function relayBuckets(values: readonly number[], fromIdx: readonly number[], toIdx: readonly number[]): number[] {
  const out = new Array<number>(toIdx.length).fill(0);
  let j = 0;
  for (let i = 0; i < fromIdx.length; i++) {
    while (j < toIdx.length && toIdx[j] < fromIdx[i]) j++;
    if (j < toIdx.length && toIdx[j] === fromIdx[i]) out[j] = values[i];
  }
  return out;
}

export function sameIndexes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameCustomValues(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return sameIndexes(a ?? [], b ?? []);
}
