import { HistogramOpError, type FloatHistogram } from '../../../model/index.js';
import type { Expr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';

/**
 * rate, increase and delta: Prometheus's `extrapolatedRate` (promql/functions.go), the one implementation for
 * float and histogram samples. The increase over the samples of the window (t - range, t] (for counters with every
 * reset compensated: the value before a drop is added back; a drop into the window's first sample lies outside the
 * window) is extrapolated towards the window's boundaries, then divided by the range for rate.
 */

/**
 * The factor that extrapolates the increase between the first and last sample of a window to its boundaries:
 * all the way to a boundary when the sample is within 110% of the average sample interval of it, else by half an
 * interval; for counters never to before the counter's zero point (`firstValue` and `increase` give its slope).
 */
export function extrapolationFactor(
  firstT: number,
  lastT: number,
  numSamplesMinusOne: number,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  isCounter: boolean,
  isRate: boolean,
  firstValue: number,
  increase: number,
): number {
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / numSamplesMinusOne;
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && increase > 0 && firstValue >= 0) {
    // Counters cannot be negative: do not extrapolate to before the zero point.
    const durationToZero = sampledInterval * (firstValue / increase);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeMs / 1000;
  return factor;
}

/**
 * rate/increase/delta of the float samples [lo, hi) in the window (rangeStart, rangeEnd]; undefined with fewer than
 * two samples. `resets`, when given, counts the drops up to each sample of the series, so that windows without one
 * skip the compensation loop (same result).
 */
export function extrapolatedRate(
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  isCounter: boolean,
  isRate: boolean,
  resets: Int32Array | undefined,
): number | undefined {
  if (hi - lo < 2) return undefined;
  let increase = v[hi - 1] - v[lo];
  // The drops between samples lo..hi-1 are resets[hi - 1] - resets[lo] (resets[lo] counts the one into lo).
  if (isCounter && (!resets || resets[hi - 1] !== resets[lo])) {
    for (let i = lo + 1; i < hi; i++) if (v[i] < v[i - 1]) increase += v[i - 1];
  }
  return increase * extrapolationFactor(t[lo], t[hi - 1], hi - lo - 1, rangeStart, rangeEnd, rangeMs, isCounter, isRate, v[lo], increase);
}

/** The drops (counter resets) up to each sample of a series: resets[k] = number of i <= k with v[i] < v[i - 1]. */
export function countResets(v: Float64Array): Int32Array {
  const resets = new Int32Array(v.length);
  for (let k = 1; k < v.length; k++) resets[k] = resets[k - 1] + (v[k] < v[k - 1] ? 1 : 0);
  return resets;
}

/**
 * Prometheus's `histogramRate`: the increase from the first to the last sample with counter resets compensated
 * (for counters: last - first of the first reset-free segment plus the last sample of every later segment, so a
 * change between custom and exponential buckets, itself a reset, needs no subtraction across it); gauge hint.
 */
export function histogramRate(ev: Evaluator, win: FloatHistogram[], isCounter: boolean, metric: string, arg: Expr): FloatHistogram | undefined {
  const first = win[0];
  const last = win[win.length - 1];
  let minSchema = Infinity;
  for (const h of win) {
    if (isCounter && h.hint === 'gauge') ev.warn(`this native histogram metric is not a counter: ${metric}`, arg);
    if (!h.usesCustomBuckets() && h.schema < minSchema) minSchema = h.schema;
  }
  let h: FloatHistogram;
  if (isCounter) {
    let segEnd = 0;
    while (segEnd + 1 < win.length && !win[segEnd + 1].detectReset(win[segEnd])) segEnd++;
    h = win[segEnd].copy();
    if (segEnd > 0) h.sub(first);
    else h.mul(0);
    for (let k = segEnd + 1; k < win.length; k++) {
      if (k + 1 < win.length && !win[k + 1].detectReset(win[k])) continue;
      // win[k] ends a segment that began after a reset.
      if (h.usesCustomBuckets() !== win[k].usesCustomBuckets() && h.count === 0 && h.pos.every((x) => x === 0) && h.neg.every((x) => x === 0)) h = win[k].copy();
      else h.add(win[k]);
    }
  } else {
    if (first.usesCustomBuckets() !== last.usesCustomBuckets()) throw new HistogramOpError('mixed');
    h = last.copy().sub(first);
    if (first.hint !== 'gauge' || last.hint !== 'gauge') ev.warn(`this native histogram metric is not a gauge: ${metric}`, arg);
  }
  if (!h.usesCustomBuckets() && minSchema < h.schema) h = h.copyToSchema(minSchema);
  h.hint = 'gauge';
  return h.compact();
}

