import { type FloatHistogram, HistogramOpError, METRIC_NAME, type Matcher, isStaleNaN } from '../../model/index.js';
import type { SelectHints } from '../storage-api/index.js';
import type { VectorSelector } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { StepSeries } from './values.js';

/** Evaluation time of each step for a selector: the step time or the `@` time, minus the offset. */
function selectorTimes(ev: Evaluator, at: number | null, offsetMs: number): Float64Array {
  const ts = new Float64Array(ev.steps);
  for (let i = 0; i < ev.steps; i++) ts[i] = (at ?? ev.times[i]) - offsetMs;
  return ts;
}

/** An instant vector selector: at each step the latest sample within the lookback delta (stale markers end a series); `withTimestamps` gives the sample times instead (timestamp()). */
export async function evalVectorSelector(ev: Evaluator, vs: VectorSelector, withTimestamps = false, extraHints: Partial<SelectHints> = {}): Promise<StepSeries[]> {
  const at = ev.atTime(vs.at, vs.atMod);
  const ts = selectorTimes(ev, at, ev.duration(vs.offset));
  const lb = ev.ctx.lookbackDelta;
  const mint = ts[0] - lb + 1;
  const maxt = ts[ts.length - 1];
  const lo = Math.min(mint, ts[ts.length - 1] - lb + 1);
  const hi = Math.max(maxt, ts[0]) + (vs.smoothed ? lb : 0);
  if (vs.smoothed) return smoothedSelector(ev, vs, ts, lo, hi);
  // Unsorted, as Prometheus's engine selects (matrix-selector.ts).
  const series = await ev.ctx.querier.select(vs.matchers as Matcher[], { start: lo, end: hi, step: ev.ctx.isRange ? ev.interval : 0, ...extraHints }, false);
  const out: StepSeries[] = [];
  const steps = ev.steps;
  for (let si = 0; si < series.length; si++) {
    if ((si & 63) === 0) {
      ev.checkNow();
      await ev.pause();
    }
    const b = series[si].samples(lo, hi);
    const n = b.length;
    if (n === 0) continue;
    const rt = b.t;
    const rv = b.v;
    let s: StepSeries | undefined;
    let j = 0;
    let any = 0;
    for (let i = 0; i < steps; i++) {
      const t = ts[i];
      if (at !== null) j = 0;
      while (j < n && rt[j] <= t) j++;
      const k = j - 1;
      if (k < 0 || rt[k] <= t - lb) continue;
      const v = rv[k];
      if (v !== v && isStaleNaN(v)) continue;
      if (!s) s = StepSeries.empty(series[si].labels, steps);
      s.v[i] = withTimestamps ? rt[k] / 1000 : v;
      s.has[i] = 1;
      if (b.h && !withTimestamps) s.setHist(i, ev.readHint(b.h[k]));
      any++;
    }
    if (s) {
      ev.addSamples(any);
      out.push(s);
    }
  }
  return out;
}

/** `x smoothed`: the value at each step interpolated between the samples around it (within the lookback delta). */
async function smoothedSelector(ev: Evaluator, vs: VectorSelector, ts: Float64Array, lo: number, hi: number): Promise<StepSeries[]> {
  const lb = ev.ctx.lookbackDelta;
  const series = await ev.ctx.querier.select(vs.matchers as Matcher[], { start: lo, end: hi, step: ev.ctx.isRange ? ev.interval : 0 }, false);
  const out: StepSeries[] = [];
  for (const ser of series) {
    const b = ser.samples(lo, hi);
    const t: number[] = [];
    const v: number[] = [];
    const hs: (FloatHistogram | undefined)[] = [];
    for (let k = 0; k < b.length; k++) {
      const hk = b.h?.[k];
      if (!hk && isStaleNaN(b.v[k])) continue;
      t.push(b.t[k]);
      v.push(b.v[k]);
      hs.push(hk);
    }
    const anyHist = hs.some((x) => x !== undefined);
    const s = StepSeries.empty(ser.labels, ev.steps);
    for (let i = 0; i < ev.steps; i++) {
      const d = ts[i];
      // Samples in (d - lb, d + lb].
      let a = 0;
      while (a < t.length && t[a] <= d - lb) a++;
      let e = a;
      while (e < t.length && t[e] <= d + lb) e++;
      if (e === a) continue;
      let k = a;
      while (k < e && t[k] < d) k++;
      if (anyHist) {
        // Histograms: the sample at d, else interpolated between its neighbours (both histograms), else carried.
        const metric = JSON.stringify(ser.labels.get(METRIC_NAME));
        let nh = 0;
        for (let x = a; x < e; x++) if (hs[x]) nh++;
        if (nh !== e - a) {
          ev.warn(`encountered a mix of histograms and floats for metric name ${metric}`, vs);
          continue;
        }
        let hv: FloatHistogram | undefined;
        if (k < e && t[k] === d) hv = hs[k];
        else if (k > a && k < e) {
          const h1 = hs[k - 1]!;
          const h2 = hs[k]!;
          const f = (d - t[k - 1]) / (t[k] - t[k - 1]);
          try {
            if (h1.usesCustomBuckets() !== h2.usesCustomBuckets()) throw new HistogramOpError('mixed');
            // A counter restarting between the two samples is interpolated from zero.
            if (h2.hint !== 'gauge' && h2.detectReset(h1)) hv = h2.copy().mul(f);
            else hv = h2.copy().sub(h1).mul(f).add(h1);
            hv.hint = h1.hint === 'gauge' ? 'gauge' : 'unknown';
          } catch (err) {
            if (!(err instanceof HistogramOpError)) throw err;
            ev.warn(`vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${metric}`, vs);
          }
        } else if (k > a) hv = hs[k - 1];
        if (!hv) continue;
        s.setHist(i, hv);
        s.has[i] = 1;
        continue;
      }
      if (k < e && t[k] === d) s.v[i] = v[k];
      else if (k > a && k < e) s.v[i] = v[k - 1] + ((v[k] - v[k - 1]) * (d - t[k - 1])) / (t[k] - t[k - 1]);
      else if (k > a) s.v[i] = v[k - 1];
      else continue;
      s.has[i] = 1;
    }
    if (s.count()) out.push(s);
  }
  return out;
}
