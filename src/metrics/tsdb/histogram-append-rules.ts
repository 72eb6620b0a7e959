/**
 * Where a histogram sample goes relative to a series' open histogram chunk (Prometheus's `Appendable` /
 * `AppendableGauge` and the head's `appendHistogram`): appended as is, appended after re-coding the chunk to a
 * layout with more buckets, or into a new chunk whose header says why it was cut.
 *
 * Counter histograms: a new chunk on a counter reset (count, zero count or any bucket dropped, custom bounds
 * changed, or the sample's hint says reset) with header CounterReset; on a schema or zero-threshold change, after
 * a staleness marker or a gauge chunk with header Unknown. New buckets re-code the chunk (all its samples get the
 * bucket at 0). A bucket missing from the new sample reads 0 (Prometheus ≥ 2.43 semantics; 2.42 took any missing
 * bucket for a reset). Gauge histograms: a new chunk (header GaugeType) on a schema, zero-threshold or bounds
 * change; buckets on either side are merged into one layout.
 */
import { isStaleNaN, type CounterResetHint } from '../../model/index.js';
import { FloatHistogramChunkAppender, decodeFloatHistogramChunk } from './float-histogram-chunk.js';
import { HistogramChunkAppender, decodeHistogramChunk } from './histogram-chunk.js';
import {
  CounterResetHeader,
  relayBuckets,
  sameCustomValues,
  sameIndexes,
  spanIndexes,
  spansFromIndexes,
  unionIndexes,
  type SpanHistogram,
} from './histogram-chunk-layout.js';

export type HistogramChunkAppenderAny = HistogramChunkAppender | FloatHistogramChunkAppender;

export type AppendDecision =
  | { kind: 'append' }
  | { kind: 'recode'; positive: number[]; negative: number[] }
  | { kind: 'cut'; header: CounterResetHeader };

export function newHistogramAppender(float: boolean, header: CounterResetHeader): HistogramChunkAppenderAny {
  return float ? new FloatHistogramChunkAppender(header) : new HistogramChunkAppender(header);
}

/** Where `h` (encoding `float`, hint `hint`) goes relative to the open chunk `app`. */
export function decideHistogramAppend(app: HistogramChunkAppenderAny | undefined, h: SpanHistogram, float: boolean, hint: CounterResetHint): AppendDecision {
  const gauge = hint === 'gauge';
  const fresh = gauge ? CounterResetHeader.GaugeType : hint === 'reset' ? CounterResetHeader.CounterReset : CounterResetHeader.Unknown;
  if (!app || app.numSamples === 0) return { kind: 'cut', header: fresh };
  if ((app instanceof FloatHistogramChunkAppender) !== float) return { kind: 'cut', header: fresh };
  const last = app.last!;
  const layout = app.layout!;
  if (gauge) {
    if (app.header !== CounterResetHeader.GaugeType) return { kind: 'cut', header: CounterResetHeader.GaugeType };
  } else {
    if (app.header === CounterResetHeader.GaugeType) return { kind: 'cut', header: CounterResetHeader.Unknown };
    if (hint === 'reset') return { kind: 'cut', header: CounterResetHeader.CounterReset };
  }
  if (isStaleNaN(h.sum)) return { kind: 'append' };
  if (isStaleNaN(app.lastSum())) return { kind: 'cut', header: gauge ? CounterResetHeader.GaugeType : CounterResetHeader.Unknown };
  if (!gauge && h.count < last.count) return { kind: 'cut', header: CounterResetHeader.CounterReset };
  if (h.schema !== layout.schema || h.zeroThreshold !== layout.zeroThreshold) {
    return { kind: 'cut', header: gauge ? CounterResetHeader.GaugeType : CounterResetHeader.Unknown };
  }
  if (!sameCustomValues(h.customValues, layout.customValues)) {
    return { kind: 'cut', header: gauge ? CounterResetHeader.GaugeType : CounterResetHeader.CounterReset };
  }
  if (!gauge && h.zeroCount < last.zeroCount) return { kind: 'cut', header: CounterResetHeader.CounterReset };
  const oldP = spanIndexes(layout.positiveSpans);
  const oldN = spanIndexes(layout.negativeSpans);
  const newP = spanIndexes(h.positiveSpans);
  const newN = spanIndexes(h.negativeSpans);
  if (!gauge && (bucketDropped(last.positiveBuckets, oldP, h.positiveBuckets, newP) || bucketDropped(last.negativeBuckets, oldN, h.negativeBuckets, newN))) {
    return { kind: 'cut', header: CounterResetHeader.CounterReset };
  }
  const p = unionIndexes(oldP, newP);
  const n = unionIndexes(oldN, newN);
  if (sameIndexes(p, oldP) && sameIndexes(n, oldN)) return { kind: 'append' };
  return { kind: 'recode', positive: p, negative: n };
}

/** Whether any bucket of the old sample is higher than the same bucket (0 when absent) of the new one. */
function bucketDropped(oldV: readonly number[], oldIdx: readonly number[], newV: readonly number[], newIdx: readonly number[]): boolean {
  const relaid = relayBuckets(newV, newIdx, oldIdx);
  for (let i = 0; i < oldV.length; i++) if (relaid[i] < oldV[i]) return true;
  return false;
}

/** `h` with its buckets laid onto the bucket indexes `p`/`n` (which cover all its non-empty buckets). */
export function relayHistogram(h: SpanHistogram, p: readonly number[], n: readonly number[]): SpanHistogram {
  if (isStaleNaN(h.sum)) return h;
  return {
    ...h,
    positiveSpans: spansFromIndexes(p),
    negativeSpans: spansFromIndexes(n),
    positiveBuckets: relayBuckets(h.positiveBuckets, spanIndexes(h.positiveSpans), p),
    negativeBuckets: relayBuckets(h.negativeBuckets, spanIndexes(h.negativeSpans), n),
  };
}

/** A new chunk with every sample of `app` re-laid onto the bucket indexes `p`/`n` (same header). */
export function recodeHistogramChunk(app: HistogramChunkAppenderAny, p: readonly number[], n: readonly number[]): HistogramChunkAppenderAny {
  const float = app instanceof FloatHistogramChunkAppender;
  const samples = float ? decodeFloatHistogramChunk(app.bytes()) : decodeHistogramChunk(app.bytes());
  const next = newHistogramAppender(float, app.header);
  for (const s of samples) next.append(s.t, relayHistogram(s.h, p, n));
  return next;
}

/**
 * Append `h` to the open chunk, re-coding it when needed. Returns the chunk that now holds the sample: `app`
 * itself, a re-coded replacement, or a new chunk (then `app`, if any, is complete). `forceCut` (the chunk is full
 * or the sample crosses a block boundary) starts a new chunk whatever the layout says, with header
 * NotCounterReset where the sample would have been appendable (as Prometheus's head).
 */
export function appendHistogramSample(
  app: HistogramChunkAppenderAny | undefined,
  t: number,
  h: SpanHistogram,
  float: boolean,
  hint: CounterResetHint,
  forceCut: boolean,
): { app: HistogramChunkAppenderAny; cut: boolean } {
  const d = decideHistogramAppend(app, h, float, hint);
  if (d.kind === 'cut' || forceCut || !app) {
    const header = d.kind === 'cut' ? d.header : hint === 'gauge' ? CounterResetHeader.GaugeType : CounterResetHeader.NotCounterReset;
    const next = newHistogramAppender(float, header);
    next.append(t, h);
    return { app: next, cut: true };
  }
  if (d.kind === 'append') {
    app.append(t, relayHistogram(h, spanIndexes(app.layout!.positiveSpans), spanIndexes(app.layout!.negativeSpans)));
    return { app, cut: false };
  }
  const next = recodeHistogramChunk(app, d.positive, d.negative);
  next.append(t, relayHistogram(h, d.positive, d.negative));
  return { app: next, cut: false };
}
