import { METRIC_NAME } from '../../../model/index.js';
import { type Call, unwrapParen } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { KEEPS_METRIC_NAME } from '../functions.js';
import { extendedRangeFunc } from './extended-rate.js';
import { histRangeSeries } from './histogram-range-functions.js';
import { countResets, extrapolatedRate } from './rate.js';
import { WINDOW_FUNCTIONS } from './window-functions.js';
import type { FunctionCall } from './function-call.js';
import { formatG } from '../go-format.js';
import { loadMatrix } from '../matrix-selector.js';
import { evalSubquery } from '../subquery.js';
import { PromqlError } from '../types.js';
import { StepSeries, type RangeVector } from '../values.js';


/** The range vector argument of a range function (a matrix selector or a subquery) and its scalar arguments. */
export async function loadRangeArgument(ev: Evaluator, e: Call): Promise<{ rv: RangeVector; scalars: Float64Array[] }> {
  const name = e.name;
  const matIdx = e.args.findIndex((a) => unwrapParen(a).kind === 'matrix' || unwrapParen(a).kind === 'subquery');
  const scalars: Float64Array[] = [];
  for (let i = 0; i < e.args.length; i++) if (i !== matIdx) scalars.push(await ev.evalScalar(e.args[i]));
  const matArg = unwrapParen(e.args[matIdx]);
  if (matArg.kind === 'matrix' && matArg.vs.anchored && !['changes', 'delta', 'increase', 'rate', 'resets'].includes(name)) {
    ev.fail(`anchored modifier can only be used with: changes, delta, increase, rate, resets - not with ${name}`);
  }
  if (matArg.kind === 'matrix' && matArg.vs.smoothed && !['delta', 'increase', 'rate'].includes(name)) {
    ev.fail(`smoothed modifier can only be used with: delta, increase, rate - not with ${name}`);
  }
  // The range argument is loaded once: a subquery is evaluated by evalSubquery alone.
  const rv = matArg.kind === 'matrix' ? await loadMatrix(ev, matArg, name) : matArg.kind === 'subquery' ? await evalSubquery(ev, matArg) : null;
  if (!rv) throw new PromqlError('internal', 'expected range vector');
  return { rv, scalars };
}

/**
 * A function over the window of each step of a range vector (rate, *_over_time, deriv, ...): the samples in
 * (t - range, t] of each series (further back, and forward, for anchored and smoothed selectors) go to the
 * function's window implementation; series holding native histograms go to the histogram variants.
 */
const rangeFunction: FunctionCall = async (ev, e) => {
  const name = e.name;
  const { rv, scalars } = await loadRangeArgument(ev, e);
  const steps = ev.steps;
  const dropName = !KEEPS_METRIC_NAME.has(name);
  const out: StepSeries[] = [];
  const isCounterFunc = name === 'rate' || name === 'increase';
  if (name === 'quantile_over_time') {
    const q = scalars[0];
    for (let i = 0; i < steps; i++) {
      if (q[i] !== q[i] || q[i] < 0 || q[i] > 1) {
        ev.warn(`quantile value should be between 0 and 1, got ${formatG(q[i])}`, e.args[0]);
        break;
      }
    }
  }
  if (name === 'double_exponential_smoothing') {
    for (let i = 0; i < steps; i++) {
      const sf = scalars[0][i];
      const tf = scalars[1][i];
      if (!(sf > 0 && sf < 1)) ev.fail(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
      if (!(tf > 0 && tf < 1)) ev.fail(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
    }
  }
  let maxWindow = 0;
  const windowFunction = WINDOW_FUNCTIONS.get(name)!;
  const rateFamily = name === 'rate' || name === 'increase' || name === 'delta';
  const isCounter = name !== 'delta';
  const isRate = name === 'rate';
  const counterNamesSeen = new Set<string>();
  for (let ri = 0; ri < rv.series.length; ri++) {
    const r = rv.series[ri];
    ev.checkTime();
    // Every series: one series' windows can cost milliseconds (quantile_over_time sorts each window).
    await ev.pause();
    if (r.h && r.h.some((x) => x !== undefined)) {
      const hs = histRangeSeries(ev, name, r, rv, e, dropName, scalars);
      if (hs) {
        out.push(hs);
        ev.addSamples(hs.count());
      }
      continue;
    }
    // Counter resets so far, per sample: windows without a reset skip the correction loop. With one step (an
    // instant query) there is one window, which that loop reads once anyway.
    const resets = rateFamily && steps > 1 ? countResets(r.v) : undefined;
    const s = StepSeries.empty(r.labels, steps, dropName || r.dropName);
    let any = 0;
    let lo = 0;
    let hi = 0;
    const rt = r.t;
    const rvals = r.v;
    const len = rt.length;
    const times = ev.times;
    const fixedAt = rv.atMs;
    const offsetMs = rv.offsetMs;
    const rangeMs = rv.rangeMs;
    if (rv.anchored || rv.smoothed) {
      const lb = ev.ctx.lookbackDelta;
      const fwd = rv.smoothed ? lb : 0;
      for (let i = 0; i < steps; i++) {
        const end = (fixedAt ?? times[i]) - offsetMs;
        const start = end - rangeMs;
        if (fixedAt !== null) {
          lo = 0;
          hi = 0;
        }
        while (lo < len && rt[lo] <= start - lb) lo++;
        if (hi < lo) hi = lo;
        while (hi < len && rt[hi] <= end + fwd) hi++;
        if (hi === lo) continue;
        if (hi - lo > maxWindow) maxWindow = hi - lo;
        const v = extendedRangeFunc(name, rt, rvals, lo, hi, start, end, rangeMs, !!rv.smoothed);
        if (v === undefined) continue;
        s.v[i] = v;
        s.has[i] = 1;
        any++;
      }
    } else if (rateFamily && fixedAt === null) {
      // rate/increase/delta: the windows slide forward with the steps; extrapolatedRate per window.
      for (let i = 0; i < steps; i++) {
        const end = times[i] - offsetMs;
        const start = end - rangeMs;
        while (lo < len && rt[lo] <= start) lo++;
        if (hi < lo) hi = lo;
        while (hi < len && rt[hi] <= end) hi++;
        if (hi - lo > maxWindow) maxWindow = hi - lo;
        const v = extrapolatedRate(rt, rvals, lo, hi, start, end, rangeMs, isCounter, isRate, resets);
        if (v === undefined) continue;
        s.v[i] = v;
        s.has[i] = 1;
        any++;
      }
    } else {
      for (let i = 0; i < steps; i++) {
        const end = (fixedAt ?? times[i]) - offsetMs;
        const start = end - rangeMs;
        if (fixedAt !== null) {
          lo = 0;
          hi = 0;
        }
        while (lo < len && rt[lo] <= start) lo++;
        if (hi < lo) hi = lo;
        while (hi < len && rt[hi] <= end) hi++;
        if (hi === lo) continue;
        if (hi - lo > maxWindow) maxWindow = hi - lo;
        // The rate family calls extrapolatedRate directly: a call site of its own, kept monomorphic for speed.
        const v = rateFamily ? extrapolatedRate(rt, rvals, lo, hi, start, end, rangeMs, isCounter, isRate, resets) : windowFunction(rt, rvals, lo, hi, start, end, rangeMs, scalars, i, resets, times[i]);
        if (v === undefined) continue;
        s.v[i] = v;
        s.has[i] = 1;
        any++;
      }
    }
    if (any > 0) {
      out.push(s);
      ev.addSamples(any);
      if (isCounterFunc) {
        const mn = r.labels.get(METRIC_NAME);
        // Once per metric name (many series share one).
        if (mn !== '' && !counterNamesSeen.has(mn)) {
          counterNamesSeen.add(mn);
          if (!/_(total|sum|count|bucket)$/.test(mn)) ev.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(mn)}`, e.args[0]);
        }
      }
    }
  }
  if (maxWindow > 0) {
    ev.addSamples(maxWindow);
    ev.ctx.currentSamples -= maxWindow;
  }
  return { type: 'vector', series: out };
};

export const RANGE_FUNCTIONS: Record<string, FunctionCall> = Object.fromEntries([...WINDOW_FUNCTIONS.keys()].map((n) => [n, rangeFunction]));
