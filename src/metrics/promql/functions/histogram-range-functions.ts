import { FloatHistogram, HistogramOpError, METRIC_NAME, mergeHints } from '../../../model/index.js';
import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { extendedHistFunc } from './extended-rate.js';
import { extrapolationFactor, histogramRate } from './rate.js';
import { rangeFunc } from './window-functions.js';
import { lowerBound } from '../math.js';
import { type RangeVector, type RawSeries, StepSeries } from '../values.js';

/** A range function over a series holding native histograms (possibly mixed with floats). */
export function histRangeSeries(ev: Evaluator, name: string, r: RawSeries, rv: RangeVector, e: Call, dropName: boolean, scalars: Float64Array[]): StepSeries | undefined {
  const s = StepSeries.empty(r.labels, ev.steps, dropName || r.dropName);
  const metric = JSON.stringify(r.labels.get(METRIC_NAME));
  const arg = e.args[0];
  const hs = r.h!;
  const extended = !!(rv.anchored || rv.smoothed);
  const lb = ev.ctx.lookbackDelta;
  for (let i = 0; i < ev.steps; i++) {
    const end = (rv.atMs ?? ev.times[i]) - rv.offsetMs;
    const start = end - rv.rangeMs;
    if (extended) {
      // Anchored/smoothed: the window reaches back (and for smoothed forward) by the lookback delta.
      const xlo = lowerBound(r.t, start - lb + 0.5);
      const xhi = lowerBound(r.t, end + (rv.smoothed ? lb : 0) + 0.5);
      if (xhi <= xlo) continue;
      let res: number | FloatHistogram | undefined;
      try {
        res = extendedHistFunc(ev, name, r, xlo, xhi, start, end, rv, metric, arg);
      } catch (err) {
        if (!(err instanceof HistogramOpError)) throw err;
        ev.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${metric}`, arg);
        continue;
      }
      if (res === undefined) continue;
      s.has[i] = 1;
      if (res instanceof FloatHistogram) s.setHist(i, res);
      else s.v[i] = res;
      continue;
    }
    const lo = lowerBound(r.t, start + 0.5);
    const hi = lowerBound(r.t, end + 0.5);
    if (hi <= lo) continue;
    const nh = hs.slice(lo, hi).filter((x) => x !== undefined).length;
    const nf = hi - lo - nh;
    const set = (v: number | FloatHistogram | undefined) => {
      if (v === undefined) return;
      s.has[i] = 1;
      if (v instanceof FloatHistogram) s.setHist(i, v);
      else s.v[i] = v;
    };
    switch (name) {
      case 'count_over_time':
        set(hi - lo);
        continue;
      case 'present_over_time':
        set(1);
        continue;
      case 'last_over_time':
        set(hs[hi - 1] ?? r.v[hi - 1]);
        continue;
      case 'first_over_time':
        set(hs[lo] ?? r.v[lo]);
        continue;
      case 'ts_of_last_over_time':
        set(r.t[hi - 1] / 1000);
        continue;
      case 'ts_of_first_over_time':
        set(r.t[lo] / 1000);
        continue;
    }
    if (nf > 0 && nh > 0) {
      if (['rate', 'increase', 'delta', 'sum_over_time', 'avg_over_time'].includes(name)) {
        ev.warn(`encountered a mix of histograms and floats for metric name ${metric}`, arg);
        continue;
      }
    }
    if (nh === 0) {
      set(rangeFunc(name, r.t, r.v, lo, hi, start, end, rv.rangeMs, scalars, i, undefined));
      continue;
    }
    const win = hs.slice(lo, hi) as FloatHistogram[];
    try {
      switch (name) {
        case 'rate':
        case 'increase':
        case 'delta': {
          if (win.length < 2) continue;
          const isCounter = name !== 'delta';
          const h = histogramRate(ev, win, isCounter, metric, arg);
          if (!h) continue;
          const factor = extrapolationFactor(r.t[lo], r.t[hi - 1], win.length - 1, start, end, rv.rangeMs, isCounter, name === 'rate', win[0].count, h.count);
          set(h.mul(factor).compact());
          continue;
        }
        case 'irate':
        case 'idelta': {
          if (hi - lo < 2) continue;
          const last = hs[hi - 1];
          const prev = hs[hi - 2];
          if (!last && !prev) {
            set(rangeFunc(name, r.t, r.v, lo, hi, start, end, rv.rangeMs, [], i, undefined));
            continue;
          }
          if (!last || !prev) {
            ev.warn(`encountered a mix of histograms and floats for metric name ${metric}`, arg);
            continue;
          }
          if (name === 'irate' && (last.hint === 'gauge' || prev.hint === 'gauge')) ev.warn(`this native histogram metric is not a counter: ${metric}`, arg);
          if (name === 'idelta' && (last.hint !== 'gauge' || prev.hint !== 'gauge')) ev.warn(`this native histogram metric is not a gauge: ${metric}`, arg);
          const h = last.copy();
          if (name === 'irate' && last.detectReset(prev)) {
            // After a reset the last sample is the increase.
          } else h.sub(prev);
          if (name === 'irate') h.div((r.t[hi - 1] - r.t[hi - 2]) / 1000);
          h.hint = 'gauge';
          set(h.compact());
          continue;
        }
        case 'sum_over_time':
        case 'avg_over_time': {
          ev.conflictingResets(win, arg);
          const fw = fieldwiseOverTime(name, win);
          if (fw) {
            set(fw);
            continue;
          }
          const h = win[0].copy();
          for (let k = 1; k < win.length; k++) h.add(win[k]);
          if (name === 'avg_over_time') h.div(win.length);
          set(h.compact());
          continue;
        }
        case 'resets':
        case 'changes': {
          let n = 0;
          for (let k = lo + 1; k < hi; k++) {
            const a = hs[k - 1];
            const b = hs[k];
            if (name === 'changes') {
              if (!a || !b) n += a !== b || (!a && !b && r.v[k] !== r.v[k - 1]) ? 1 : 0;
              else if (!a.equals(b)) n++;
            } else if (a && b ? b.detectReset(a) : !a && !b ? r.v[k] < r.v[k - 1] : true) n++;
          }
          set(n);
          continue;
        }
      }
    } catch (err) {
      if (!(err instanceof HistogramOpError)) throw err;
      ev.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${metric}`, arg);
      continue;
    } finally {
      ev.reconcileInfo(name === 'sum_over_time' || name === 'avg_over_time' ? 'aggregation' : 'subtraction', arg);
    }
    // Float-only functions: histogram samples ignored (silently when the range holds only histograms).
    if (nf === 0) continue;
    const ft: number[] = [];
    const fv: number[] = [];
    for (let k = lo; k < hi; k++) {
      if (hs[k]) continue;
      ft.push(r.t[k]);
      fv.push(r.v[k]);
    }
    ev.info(`ignored histograms in a range containing both floats and histograms for metric name ${metric}`, arg);
    set(rangeFunc(name, Float64Array.from(ft), Float64Array.from(fv), 0, ft.length, start, end, rv.rangeMs, scalars, i, undefined));
  }
  return s.count() ? s : undefined;
}

/**
 * sum_over_time/avg_over_time of histograms field by field (count, sum, zero bucket, every bucket) with the float
 * functions' arithmetic (Kahan summation, incremental mean on overflow), after bringing all to one schema.
 * Undefined when the custom bounds differ (the reconciling addition handles those).
 */
export function fieldwiseOverTime(name: string, win: FloatHistogram[]): FloatHistogram | undefined {
  const custom = win[0].usesCustomBuckets();
  if (win.some((h) => h.usesCustomBuckets() !== custom)) throw new HistogramOpError('mixed');
  if (custom) {
    const cv = win[0].customValues!;
    if (win.some((h) => h.customValues!.length !== cv.length || h.customValues!.some((x, i) => x !== cv[i]))) return undefined;
  }
  const minSchema = Math.min(...win.map((h) => h.schema));
  let hs = custom ? win : win.map((h) => h.copyToSchema(minSchema));
  const zt = Math.max(...hs.map((h) => h.zeroThreshold));
  if (hs.some((h) => h.zeroThreshold !== zt)) {
    hs = hs.map((h) => {
      const c = h.copy();
      c.widenZero(zt);
      return c;
    });
    if (hs.some((h) => h.zeroThreshold !== hs[0].zeroThreshold)) return undefined;
  }
  const n = hs.length;
  const t = new Float64Array(n);
  const vals = new Float64Array(n);
  const f = (get: (h: FloatHistogram) => number): number => {
    for (let k = 0; k < n; k++) vals[k] = get(hs[k]);
    return rangeFunc(name, t, vals, 0, n, 0, 0, 0, [], 0, undefined) ?? NaN;
  };
  const side = (off: (h: FloatHistogram) => number, arr: (h: FloatHistogram) => number[]): [number, number[]] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hs) {
      if (arr(h).length === 0) continue;
      lo = Math.min(lo, off(h));
      hi = Math.max(hi, off(h) + arr(h).length);
    }
    if (lo === Infinity) return [0, []];
    const out: number[] = [];
    for (let i = lo; i < hi; i++) out.push(f((h) => arr(h)[i - off(h)] ?? 0));
    return [lo, out];
  };
  const r = hs[0].copy();
  r.count = f((h) => h.count);
  r.sum = f((h) => h.sum);
  r.zeroCount = f((h) => h.zeroCount);
  [r.pOff, r.pos] = side((h) => h.pOff, (h) => h.pos);
  [r.nOff, r.neg] = side((h) => h.nOff, (h) => h.neg);
  r.hint = hs.map((h) => h.hint).reduce(mergeHints);
  return r.compact();
}
