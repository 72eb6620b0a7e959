import type { FloatHistogram } from '../../../model/index.js';
import type { Expr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import type { RangeVector, RawSeries } from '../values.js';

/** rate/increase/delta/changes/resets over an anchored or smoothed window (Prometheus's extendedRate). */
export function extendedRangeFunc(name: string, t: Float64Array, v: Float64Array, lo: number, hi: number, rangeStart: number, rangeEnd: number, rangeMs: number, smoothed: boolean): number | undefined {
  if (name === 'changes' || name === 'resets') {
    // Anchored: start from the last sample at or before the range start.
    let le = lo - 1;
    for (let k = lo; k < hi && t[k] <= rangeStart; k++) le = k;
    if (le + 1 >= hi) return undefined;
    const first = le >= lo ? le : lo;
    let c = 0;
    for (let k = first + 1; k < hi; k++) {
      if (name === 'resets') {
        if (v[k] < v[k - 1]) c++;
      } else if (!(v[k] === v[k - 1] || (v[k] !== v[k] && v[k - 1] !== v[k - 1]))) c++;
    }
    return c;
  }
  const isCounter = name !== 'delta';
  let last = hi - 1;
  // first = (index of the first sample after rangeStart among [lo, last)) - 1, at least lo.
  let firstAfter = lo;
  while (firstAfter < last && t[firstAfter] <= rangeStart) firstAfter++;
  let first = Math.max(lo, firstAfter - 1);
  if (smoothed) {
    let k = lo;
    while (k < hi - 1 && t[k] < rangeEnd) k++;
    last = k;
  }
  if (t[last] <= rangeStart) return undefined;
  if (smoothed && t[first] > rangeEnd) return undefined;
  const interp = (a: number, b: number, at: number): number => {
    let y1 = v[a];
    const y2 = v[b];
    if (isCounter && y2 < y1) y1 = 0;
    return y1 + ((y2 - y1) * (at - t[a])) / (t[b] - t[a]);
  };
  const left = smoothed && t[first] < rangeStart ? interp(first, first + 1, rangeStart) : v[first];
  const right = smoothed && last > lo && t[last] > rangeEnd ? interp(last - 1, last, rangeEnd) : v[last];
  let result = right - left;
  if (isCounter) {
    if (t[first] <= rangeStart) first++;
    if (t[last] >= rangeEnd) last--;
    let corr = 0;
    let prev = left;
    for (let k = first; k <= last; k++) {
      if (v[k] < prev) corr += prev;
      prev = v[k];
    }
    if (right < prev) corr += prev;
    result += corr;
  }
  if (name === 'rate') result /= rangeMs / 1000;
  return result;
}

/** rate/increase/delta/changes/resets over an anchored or smoothed window holding histograms (Prometheus's extendedRate). */
export function extendedHistFunc(ev: Evaluator, name: string, r: RawSeries, lo: number, hi: number, rangeStart: number, rangeEnd: number, rv: RangeVector, metric: string, arg: Expr): number | FloatHistogram | undefined {
  const t = r.t;
  const hs = r.h!;
  const smoothed = !!rv.smoothed;
  if (name === 'changes' || name === 'resets') {
    let le = lo - 1;
    for (let k = lo; k < hi && t[k] <= rangeStart; k++) le = k;
    if (le + 1 >= hi) return undefined;
    const first = le >= lo ? le : lo;
    let c = 0;
    for (let k = first + 1; k < hi; k++) {
      const a = hs[k - 1];
      const b = hs[k];
      if (!a !== !b) c++;
      else if (a && b) c += name === 'resets' ? (b.detectReset(a) ? 1 : 0) : a.equals(b) ? 0 : 1;
      else if (name === 'resets' ? r.v[k] < r.v[k - 1] : !(r.v[k] === r.v[k - 1] || (r.v[k] !== r.v[k] && r.v[k - 1] !== r.v[k - 1]))) c++;
    }
    return c;
  }
  if (name !== 'rate' && name !== 'increase' && name !== 'delta') return undefined;
  const isCounter = name !== 'delta';
  let last = hi - 1;
  let firstAfter = lo;
  while (firstAfter < last && t[firstAfter] <= rangeStart) firstAfter++;
  let first = Math.max(lo, firstAfter - 1);
  if (smoothed) {
    let k = lo;
    while (k < hi - 1 && t[k] < rangeEnd) k++;
    last = k;
  }
  if (t[last] <= rangeStart) return undefined;
  if (smoothed && t[first] > rangeEnd) return undefined;
  for (let k = first; k <= last; k++) {
    if (!hs[k]) {
      ev.warn(`encountered a mix of histograms and floats for metric name ${metric}`, arg);
      return undefined;
    }
    if (isCounter && hs[k]!.hint === 'gauge') ev.warn(`this native histogram metric is not a counter: ${metric}`, arg);
  }
  if (!isCounter && (hs[first]!.hint !== 'gauge' || hs[last]!.hint !== 'gauge')) ev.warn(`this native histogram metric is not a gauge: ${metric}`, arg);
  // Resets are judged by value here (interpolated points carry no meaningful hint).
  const plain = new Map<number, FloatHistogram>();
  const H = (k: number): FloatHistogram => {
    const h = hs[k]!;
    if (h.hint !== 'reset') return h;
    let p = plain.get(k);
    if (!p) plain.set(k, (p = Object.assign(h.copy(), { hint: 'unknown' as const })));
    return p;
  };
  const interp = (a: number, b: number, at: number): FloatHistogram => {
    const y2 = H(b);
    const y1 = isCounter && y2.detectReset(H(a)) ? undefined : H(a);
    const f = (at - t[a]) / (t[b] - t[a]);
    if (!y1) return y2.copy().mul(f);
    return y2.copy().sub(y1).mul(f).add(y1);
  };
  const left = smoothed && t[first] < rangeStart ? interp(first, first + 1, rangeStart) : H(first);
  const right = smoothed && last > lo && t[last] > rangeEnd ? interp(last - 1, last, rangeEnd) : H(last);
  const result = right.copy().sub(left);
  if (isCounter) {
    if (t[first] <= rangeStart) first++;
    if (t[last] >= rangeEnd) last--;
    let prev = left;
    for (let k = first; k <= last; k++) {
      if (H(k).detectReset(prev)) result.add(prev);
      prev = H(k);
    }
    if (right.detectReset(prev)) result.add(prev);
  }
  if (name === 'rate') result.div(rv.rangeMs / 1000);
  result.hint = 'gauge';
  return result.compact();
}
