import { Labels, type MetricMetadata, type MetricType } from '../../model/index.js';
import { ByteReader, putFloat64, putVarint, type ByteWriter } from './byte-codec.js';
import { REC_FLOAT_HISTOGRAM_SAMPLES, REC_HISTOGRAM_SAMPLES, decodeHistogramSamples, type HistogramRecordSample } from './wal-histogram-records.js';

/**
 * The metrics WAL's record types (payloads inside the shared WAL's framing), compact binary:
 *   1 series:    count, then per series: ref, label count, (name, value) strings
 *   2 samples:   count, base ref, base t, then per sample: ref - base (varint), t - base (varint), raw float64
 *   3 metadata:  count, then per entry: metric name, type, unit, help
 *   4 exemplars: count, then per exemplar: ref, t (raw float64, NaN = none), raw float64 value, label count, strings
 *   5 tombstones: count, then per deletion: ref, mint (varint), maxt (varint) — `delete_series` on the head
 *   7, 8 integer / float histogram samples: see wal-histogram-records.ts
 */
export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
export const REC_METADATA = 3;
export const REC_EXEMPLARS = 4;
export const REC_TOMBSTONES = 5;

const TYPES: MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

export function encodeSeries(w: ByteWriter, series: readonly { ref: number; labels: Labels }[]): void {
  w.byte(REC_SERIES);
  w.uvarint(series.length);
  for (const s of series) {
    w.uvarint(s.ref);
    const f = s.labels.flat;
    w.uvarint(f.length >> 1);
    for (let i = 0; i < f.length; i++) w.string(f[i]);
  }
}

/** Samples from columnar arrays [from, to). */
export function encodeSamples(w: ByteWriter, refs: Uint32Array, ts: Float64Array, vs: Float64Array, from: number, to: number): void {
  w.byte(REC_SAMPLES);
  w.uvarint(to - from);
  const baseRef = refs[from];
  const baseT = ts[from];
  w.uvarint(baseRef);
  w.varint(baseT);
  // Hot path of every metrics write: one capacity check for the record, then the per-sample fields written inline
  // (a zig-zag varint per delta takes at most 10 bytes, the value 8).
  w.ensure((to - from) * 28);
  w.len = putSamples(w.buf, w.len, refs, ts, vs, from, to, baseRef, baseT);
}

/**
 * The per-sample fields of a samples record at `p`; returns the position after them. A function of its own: the
 * loop is optimised on its own, and the store to the writer's length after it is not left without type feedback in
 * an on-stack-replaced loop (which deoptimised on every later record).
 */
function putSamples(b: Uint8Array, p: number, refs: Uint32Array, ts: Float64Array, vs: Float64Array, from: number, to: number, baseRef: number, baseT: number): number {
  for (let i = from; i < to; i++) {
    p = putVarint(b, p, refs[i] - baseRef);
    p = putVarint(b, p, ts[i] - baseT);
    p = putFloat64(b, p, vs[i]);
  }
  return p;
}

export function encodeMetadata(w: ByteWriter, entries: readonly { metric: string; meta: MetricMetadata }[]): void {
  w.byte(REC_METADATA);
  w.uvarint(entries.length);
  for (const e of entries) {
    w.string(e.metric);
    w.byte(Math.max(0, TYPES.indexOf(e.meta.type)));
    w.string(e.meta.unit);
    w.string(e.meta.help);
  }
}

export function encodeExemplars(w: ByteWriter, entries: readonly { ref: number; labels: Labels; value: number; ts: number }[]): void {
  w.byte(REC_EXEMPLARS);
  w.uvarint(entries.length);
  for (const e of entries) {
    w.uvarint(e.ref);
    w.float(e.ts);
    w.float(e.value);
    const f = e.labels.flat;
    w.uvarint(f.length >> 1);
    for (let i = 0; i < f.length; i++) w.string(f[i]);
  }
}

export function encodeTombstoneRecord(w: ByteWriter, entries: readonly { ref: number; mint: number; maxt: number }[]): void {
  w.byte(REC_TOMBSTONES);
  w.uvarint(entries.length);
  for (const e of entries) {
    w.uvarint(e.ref);
    w.varint(e.mint);
    w.varint(e.maxt);
  }
}

export interface RecordHandlers {
  series?(ref: number, labels: Labels): void;
  /** Columnar sample batch; the arrays are reused between calls. */
  samples?(refs: Float64Array, ts: Float64Array, vs: Float64Array, n: number): void;
  metadata?(metric: string, meta: MetricMetadata): void;
  exemplar?(ref: number, labels: Labels, value: number, ts: number): void;
  tombstone?(ref: number, mint: number, maxt: number): void;
  /** Native histogram samples (record types 7 and 8, wal-histogram-records.ts). */
  histogram?(s: HistogramRecordSample, float: boolean): void;
}

let scratchRefs = new Float64Array(1024);
let scratchT = new Float64Array(1024);
let scratchV = new Float64Array(1024);

function readLabels(r: ByteReader): Labels {
  const n = r.uvarint();
  const flat: string[] = new Array(n * 2);
  for (let i = 0; i < n * 2; i++) flat[i] = r.string();
  return Labels.fromSortedFlat(flat);
}

/** Decode one record and dispatch it. Throws RangeError on a malformed record. */
export function decodeRecord(payload: Uint8Array, h: RecordHandlers): void {
  const r = new ByteReader(payload);
  const type = r.byte();
  const count = r.uvarint();
  switch (type) {
    case REC_SERIES:
      for (let i = 0; i < count; i++) {
        const ref = r.uvarint();
        const labels = readLabels(r);
        h.series?.(ref, labels);
      }
      return;
    case REC_SAMPLES: {
      if (!h.samples) return;
      if (scratchRefs.length < count) {
        scratchRefs = new Float64Array(count);
        scratchT = new Float64Array(count);
        scratchV = new Float64Array(count);
      }
      const baseRef = r.uvarint();
      const baseT = r.varint();
      for (let i = 0; i < count; i++) {
        scratchRefs[i] = baseRef + r.varint();
        scratchT[i] = baseT + r.varint();
        scratchV[i] = r.float();
      }
      h.samples(scratchRefs, scratchT, scratchV, count);
      return;
    }
    case REC_METADATA:
      for (let i = 0; i < count; i++) {
        const metric = r.string();
        const type = TYPES[r.byte()] ?? 'unknown';
        const unit = r.string();
        const help = r.string();
        h.metadata?.(metric, { type, unit, help });
      }
      return;
    case REC_EXEMPLARS:
      for (let i = 0; i < count; i++) {
        const ref = r.uvarint();
        const ts = r.float();
        const value = r.float();
        const labels = readLabels(r);
        h.exemplar?.(ref, labels, value, ts);
      }
      return;
    case REC_TOMBSTONES:
      for (let i = 0; i < count; i++) {
        const ref = r.uvarint();
        const mint = r.varint();
        const maxt = r.varint();
        h.tombstone?.(ref, mint, maxt);
      }
      return;
    case REC_HISTOGRAM_SAMPLES:
    case REC_FLOAT_HISTOGRAM_SAMPLES:
      if (h.histogram) decodeHistogramSamples(r, type === REC_FLOAT_HISTOGRAM_SAMPLES, count, h.histogram);
      return;
    default:
      throw new RangeError(`unknown WAL record type ${type}`);
  }
}
