/**
 * Prometheus's float histogram chunk (`chunkenc.FloatHistogramChunk`, chunk encoding 3), bit for bit as 2.42
 * writes it (tsdb/chunkenc/float_histogram.go), plus the custom-bucket bounds of schema -53.
 *
 *   u16 BE sample count, 1 header byte (counter-reset header), then bits:
 *   layout (as the integer chunk)
 *   sample 0: t (varbit int), count, zero count, sum, every bucket: 64 raw bits each (absolute counts)
 *   sample n: t as delta-of-delta (varbit int); count, zero count, sum, every bucket: XOR with its previous value,
 *             each float stream with its own leading/trailing window
 * A staleness marker writes t, count 0 and zero count 0 (XORed), the sum, no buckets.
 */
import { isStaleNaN } from '../../model/index.js';
import { BitReader, xorState, xorStateValue, type XorState } from './bit-stream.js';
import { HistogramAppenderBase } from './histogram-appender-base.js';
import { counterResetHintOf, type DecodedHistogram } from './histogram-chunk-hint.js';
import type {
  CounterResetHeader} from './histogram-chunk-layout.js';
import {
  HISTOGRAM_CHUNK_HEADER,
  histogramChunkNumSamples,
  readChunkLayout,
  spanBucketCount,
  writeChunkLayout,
  type SpanHistogram,
} from './histogram-chunk-layout.js';
import { staleHistogram } from './histogram-chunk.js';

export const ENC_FLOAT_HISTOGRAM = 3;

export class FloatHistogramChunkAppender extends HistogramAppenderBase {
  readonly encoding = ENC_FLOAT_HISTOGRAM;
  private tDelta = 0;
  private cnt: XorState = xorState(0);
  private zCnt: XorState = xorState(0);
  private sum: XorState = xorState(0);
  private pBuckets: XorState[] = [];
  private nBuckets: XorState[] = [];

  append(t: number, h: SpanHistogram): void {
    const w = this.w;
    const stale = isStaleNaN(h.sum);
    const count = stale ? 0 : h.count;
    const zCount = stale ? 0 : h.zeroCount;
    if (this.numSamples === 0) {
      this.layout = stale
        ? { schema: 0, zeroThreshold: 0, positiveSpans: [], negativeSpans: [] }
        : { schema: h.schema, zeroThreshold: h.zeroThreshold, positiveSpans: h.positiveSpans, negativeSpans: h.negativeSpans, customValues: h.customValues };
      writeChunkLayout(w, this.layout);
      const pb = stale ? [] : h.positiveBuckets;
      const nb = stale ? [] : h.negativeBuckets;
      w.varbitInt(t);
      w.writeFloat(count);
      w.writeFloat(zCount);
      w.writeFloat(h.sum);
      for (const b of pb) w.writeFloat(b);
      for (const b of nb) w.writeFloat(b);
      this.cnt = xorState(count);
      this.zCnt = xorState(zCount);
      this.sum = xorState(h.sum);
      this.pBuckets = pb.map((b) => xorState(b));
      this.nBuckets = nb.map((b) => xorState(b));
      this.tDelta = 0;
      this.minT = t;
    } else {
      const tDelta = t - this.maxT;
      w.varbitInt(tDelta - this.tDelta);
      w.xorFloat(count, this.cnt);
      w.xorFloat(zCount, this.zCnt);
      w.xorFloat(h.sum, this.sum);
      if (!stale) {
        if (h.positiveBuckets.length !== this.pBuckets.length || h.negativeBuckets.length !== this.nBuckets.length) {
          throw new Error('float histogram chunk: sample buckets do not match the chunk layout');
        }
        for (let i = 0; i < h.positiveBuckets.length; i++) w.xorFloat(h.positiveBuckets[i], this.pBuckets[i]);
        for (let i = 0; i < h.negativeBuckets.length; i++) w.xorFloat(h.negativeBuckets[i], this.nBuckets[i]);
      }
      this.tDelta = tDelta;
    }
    this.maxT = t;
    this.numSamples++;
    w.buf[0] = this.numSamples >>> 8;
    w.buf[1] = this.numSamples & 0xff;
    this.last = h;
  }

  lastSum(): number {
    return xorStateValue(this.sum);
  }
}

/** Decode a float histogram chunk (at most `limit` samples). */
export function decodeFloatHistogramChunk(chunk: Uint8Array, limit = histogramChunkNumSamples(chunk)): DecodedHistogram[] {
  const n = Math.min(limit, histogramChunkNumSamples(chunk));
  const out: DecodedHistogram[] = [];
  if (n === 0) return out;
  const header = (chunk[2] & 0b11000000) as CounterResetHeader;
  const r = new BitReader(chunk, HISTOGRAM_CHUNK_HEADER * 8);
  const layout = readChunkLayout(r);
  const np = spanBucketCount(layout.positiveSpans);
  const nn = spanBucketCount(layout.negativeSpans);
  let t = r.varbitInt();
  const cnt = xorState(r.readFloat(), 0);
  const zCnt = xorState(r.readFloat(), 0);
  const sum = xorState(r.readFloat(), 0);
  const pb: XorState[] = [];
  const nb: XorState[] = [];
  for (let i = 0; i < np; i++) pb.push(xorState(r.readFloat(), 0));
  for (let i = 0; i < nn; i++) nb.push(xorState(r.readFloat(), 0));
  let tDelta = 0;
  for (let k = 0; ; k++) {
    const s = xorStateValue(sum);
    let h: SpanHistogram;
    if (isStaleNaN(s)) {
      h = staleHistogram(s);
    } else {
      h = {
        schema: layout.schema,
        zeroThreshold: layout.zeroThreshold,
        zeroCount: xorStateValue(zCnt),
        count: xorStateValue(cnt),
        sum: s,
        positiveSpans: layout.positiveSpans,
        negativeSpans: layout.negativeSpans,
        positiveBuckets: pb.map(xorStateValue),
        negativeBuckets: nb.map(xorStateValue),
      };
      if (layout.customValues) h.customValues = layout.customValues;
    }
    out.push({ t, h, hint: counterResetHintOf(header, k + 1) });
    if (k + 1 >= n) break;
    tDelta += r.varbitInt();
    t += tDelta;
    r.xorFloat(cnt);
    r.xorFloat(zCnt);
    r.xorFloat(sum);
    if (isStaleNaN(xorStateValue(sum))) continue;
    for (const b of pb) r.xorFloat(b);
    for (const b of nb) r.xorFloat(b);
  }
  return out;
}
