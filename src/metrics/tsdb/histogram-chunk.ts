/**
 * Prometheus's integer histogram chunk (`chunkenc.HistogramChunk`, chunk encoding 2), bit for bit as 2.42 writes
 * it (tsdb/chunkenc/histogram.go), plus the custom-bucket bounds later versions add to the layout for schema -53.
 *
 *   u16 BE sample count, 1 header byte (bits 7-6: counter-reset header, see CounterResetHeader), then bits:
 *   layout: zero threshold, schema (varbit int), positive spans, negative spans [, custom bounds]
 *   sample 0: t (varbit int), count (varbit uint), zero count (varbit uint), sum (64 raw bits),
 *             every bucket's delta to the previous bucket (varbit int; the first bucket's absolute count)
 *   sample n: t, count, zero count each as the delta-of-delta (varbit int), sum XOR the previous sum,
 *             per bucket the delta-of-delta of its delta-encoded value (varbit int)
 * A staleness marker (sum = StaleNaN) writes t, two zero dods and the sum, no buckets.
 */
import { isStaleNaN } from '../../model/index.js';
import { BitReader, xorState, xorStateValue, type XorState } from './bit-stream.js';
import type {
  CounterResetHeader} from './histogram-chunk-layout.js';
import {
  HISTOGRAM_CHUNK_HEADER,
  histogramChunkNumSamples,
  readChunkLayout,
  spanBucketCount,
  writeChunkLayout,
  type ChunkLayout,
  type SpanHistogram,
} from './histogram-chunk-layout.js';
import { HistogramAppenderBase } from './histogram-appender-base.js';
import { counterResetHintOf, type DecodedHistogram } from './histogram-chunk-hint.js';

export const ENC_HISTOGRAM = 2;

/** Delta encoding between neighbouring buckets (Prometheus's in-memory form of integer buckets). */
function bucketDeltas(abs: readonly number[]): number[] {
  const out = new Array<number>(abs.length);
  let prev = 0;
  for (let i = 0; i < abs.length; i++) {
    out[i] = abs[i] - prev;
    prev = abs[i];
  }
  return out;
}

export class HistogramChunkAppender extends HistogramAppenderBase {
  readonly encoding = ENC_HISTOGRAM;
  private tDelta = 0;
  private cnt = 0;
  private zCnt = 0;
  private cntDelta = 0;
  private zCntDelta = 0;
  private pBuckets: number[] = [];
  private nBuckets: number[] = [];
  private pBucketsDelta: number[] = [];
  private nBucketsDelta: number[] = [];
  private sum: XorState = xorState(0);

  /** Append `h`, whose spans must be the chunk's layout (any layout for the first sample), unless it is stale. */
  append(t: number, h: SpanHistogram): void {
    const w = this.w;
    const stale = isStaleNaN(h.sum);
    if (this.numSamples === 0) {
      this.layout = {
        schema: h.schema,
        zeroThreshold: h.zeroThreshold,
        positiveSpans: h.positiveSpans,
        negativeSpans: h.negativeSpans,
        customValues: h.customValues,
      };
      writeChunkLayout(w, stale ? { schema: 0, zeroThreshold: 0, positiveSpans: [], negativeSpans: [] } : this.layout);
      if (stale) this.layout = { schema: 0, zeroThreshold: 0, positiveSpans: [], negativeSpans: [] };
      const count = stale ? 0 : h.count;
      const zCount = stale ? 0 : h.zeroCount;
      const pb = stale ? [] : bucketDeltas(h.positiveBuckets);
      const nb = stale ? [] : bucketDeltas(h.negativeBuckets);
      w.varbitInt(t);
      w.varbitUint(count);
      w.varbitUint(zCount);
      w.writeFloat(h.sum);
      for (const b of pb) w.varbitInt(b);
      for (const b of nb) w.varbitInt(b);
      this.pBuckets = pb;
      this.nBuckets = nb;
      this.pBucketsDelta = new Array<number>(pb.length).fill(0);
      this.nBucketsDelta = new Array<number>(nb.length).fill(0);
      this.sum = xorState(h.sum);
      this.tDelta = 0;
      this.cntDelta = 0;
      this.zCntDelta = 0;
      this.cnt = count;
      this.zCnt = zCount;
      this.minT = t;
    } else {
      const count = stale ? 0 : h.count;
      const zCount = stale ? 0 : h.zeroCount;
      const tDelta = t - this.maxT;
      const cntDelta = count - this.cnt;
      const zCntDelta = zCount - this.zCnt;
      w.varbitInt(tDelta - this.tDelta);
      w.varbitInt(stale ? 0 : cntDelta - this.cntDelta);
      w.varbitInt(stale ? 0 : zCntDelta - this.zCntDelta);
      w.xorFloat(h.sum, this.sum);
      if (!stale) {
        this.writeBucketDods(bucketDeltas(h.positiveBuckets), this.pBuckets, this.pBucketsDelta);
        this.writeBucketDods(bucketDeltas(h.negativeBuckets), this.nBuckets, this.nBucketsDelta);
      }
      this.tDelta = tDelta;
      this.cntDelta = cntDelta;
      this.zCntDelta = zCntDelta;
      this.cnt = count;
      this.zCnt = zCount;
    }
    this.maxT = t;
    this.numSamples++;
    w.buf[0] = this.numSamples >>> 8;
    w.buf[1] = this.numSamples & 0xff;
    this.last = h;
  }

  private writeBucketDods(cur: number[], prev: number[], prevDelta: number[]): void {
    if (cur.length !== prev.length) throw new Error('histogram chunk: sample buckets do not match the chunk layout');
    for (let i = 0; i < cur.length; i++) {
      const delta = cur[i] - prev[i];
      this.w.varbitInt(delta - prevDelta[i]);
      prevDelta[i] = delta;
      prev[i] = cur[i];
    }
  }

  /** The sum of the last sample (StaleNaN after a staleness marker). */
  lastSum(): number {
    return xorStateValue(this.sum);
  }
}

/** Decode an integer histogram chunk (at most `limit` samples). Bucket counts come back absolute. */
export function decodeHistogramChunk(chunk: Uint8Array, limit = histogramChunkNumSamples(chunk)): DecodedHistogram[] {
  const n = Math.min(limit, histogramChunkNumSamples(chunk));
  const out: DecodedHistogram[] = [];
  if (n === 0) return out;
  const header = (chunk[2] & 0b11000000) as CounterResetHeader;
  const r = new BitReader(chunk, HISTOGRAM_CHUNK_HEADER * 8);
  const layout = readChunkLayout(r);
  const np = spanBucketCount(layout.positiveSpans);
  const nn = spanBucketCount(layout.negativeSpans);
  const pb = new Array<number>(np).fill(0);
  const nb = new Array<number>(nn).fill(0);
  const pd = new Array<number>(np).fill(0);
  const nd = new Array<number>(nn).fill(0);
  let t = r.varbitInt();
  let cnt = r.varbitUint();
  let zCnt = r.varbitUint();
  const sum = xorState(r.readFloat(), 0);
  for (let i = 0; i < np; i++) pb[i] = r.varbitInt();
  for (let i = 0; i < nn; i++) nb[i] = r.varbitInt();
  let tDelta = 0;
  let cntDelta = 0;
  let zCntDelta = 0;
  for (let k = 0; ; k++) {
    const s = xorStateValue(sum);
    out.push({ t, h: isStaleNaN(s) ? staleHistogram(s) : snapshot(layout, cnt, zCnt, s, pb, nb), hint: counterResetHintOf(header, k + 1) });
    if (k + 1 >= n) break;
    tDelta += r.varbitInt();
    t += tDelta;
    cntDelta += r.varbitInt();
    cnt += cntDelta;
    zCntDelta += r.varbitInt();
    zCnt += zCntDelta;
    r.xorFloat(sum);
    if (isStaleNaN(xorStateValue(sum))) continue;
    for (let i = 0; i < np; i++) {
      pd[i] += r.varbitInt();
      pb[i] += pd[i];
    }
    for (let i = 0; i < nn; i++) {
      nd[i] += r.varbitInt();
      nb[i] += nd[i];
    }
  }
  return out;
}

export function staleHistogram(sum: number): SpanHistogram {
  return { schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum, positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [] };
}

function snapshot(l: ChunkLayout, cnt: number, zCnt: number, sum: number, pDeltas: number[], nDeltas: number[]): SpanHistogram {
  const h: SpanHistogram = {
    schema: l.schema,
    zeroThreshold: l.zeroThreshold,
    zeroCount: zCnt,
    count: cnt,
    sum,
    positiveSpans: l.positiveSpans,
    negativeSpans: l.negativeSpans,
    positiveBuckets: absolute(pDeltas),
    negativeBuckets: absolute(nDeltas),
  };
  if (l.customValues) h.customValues = l.customValues;
  return h;
}

function absolute(deltas: number[]): number[] {
  const out = new Array<number>(deltas.length);
  let cur = 0;
  for (let i = 0; i < deltas.length; i++) {
    cur += deltas[i];
    out[i] = cur;
  }
  return out;
}
