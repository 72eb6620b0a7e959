import { extrapolatedRate } from './rate.js';
import { kahanInc, linearRegression, quantileOf } from '../math.js';

/** Kahan compensation scratch (one value, reused). */
const kc = new Float64Array(1);

/**
 * One range function over the samples [lo, hi) of a series' window (rangeStart, rangeEnd]; undefined = no output
 * at this step. `step` indexes the scalar arguments; `resets` (rate family) counts the counter resets up to each
 * sample; `evalTime` is the step time, where predict_linear anchors its line (not moved by `@` or offset).
 */
export type WindowFunction = (
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  scalars: Float64Array[],
  step: number,
  resets: Int32Array | undefined,
  evalTime: number,
) => number | undefined;

/** rate, increase, delta. */
function rate(name: string): WindowFunction {
  const isCounter = name !== 'delta';
  const isRate = name === 'rate';
  return (t, v, lo, hi, rangeStart, rangeEnd, rangeMs, _scalars, _step, resets) => extrapolatedRate(t, v, lo, hi, rangeStart, rangeEnd, rangeMs, isCounter, isRate, resets);
}

/** irate, idelta. */
function irate(name: string): WindowFunction {
  return (t, v, lo, hi) => {
    const n = hi - lo;
    if (n < 2) return undefined;
    const last = v[hi - 1];
    const prev = v[hi - 2];
    let r = name === 'irate' && last < prev ? last : last - prev;
    const dt = t[hi - 1] - t[hi - 2];
    if (dt === 0) return undefined;
    if (name === 'irate') r /= dt / 1000;
    return r;
  };
}

/** deriv. */
const deriv: WindowFunction = (t, v, lo, hi) => {
  const n = hi - lo;
  if (n < 2) return undefined;
  return linearRegression(t, v, lo, hi, t[lo])[0];
};

/** predict_linear. */
const predictLinear: WindowFunction = (t, v, lo, hi, _rangeStart, _rangeEnd, _rangeMs, scalars, step, _resets, evalTime) => {
  const n = hi - lo;
  if (n < 2) return undefined;
  const [slope, intercept] = linearRegression(t, v, lo, hi, evalTime);
  return slope * scalars[0][step] + intercept;
};

/** sum_over_time. */
const sumOverTime: WindowFunction = (_t, v, lo, hi) => {
  let sum = 0;
  kc[0] = 0;
  for (let i = lo; i < hi; i++) sum = kahanInc(v[i], sum, kc);
  return sum + kc[0];
};

/** avg_over_time. */
const avgOverTime: WindowFunction = (_t, v, lo, hi) => {
  let sum = 0;
  let mean = 0;
  let count = 0;
  let incremental = false;
  kc[0] = 0;
  for (let i = lo; i < hi; i++) {
    const f = v[i];
    count++;
    if (!incremental) {
      const saved = kc[0];
      const ns = kahanInc(f, sum, kc);
      if (count === 1 || Number.isFinite(ns) || ns !== ns) {
        sum = ns;
        continue;
      }
      kc[0] = saved;
      incremental = true;
      mean = sum / (count - 1);
      kc[0] /= count - 1;
    }
    const q = (count - 1) / count;
    kc[0] = q * kc[0];
    mean = kahanInc(f / count, q * mean, kc);
  }
  if (incremental) return mean + kc[0];
  return sum / count + kc[0] / count;
};

/** count_over_time. */
const countOverTime: WindowFunction = (_t, _v, lo, hi) => {
  const n = hi - lo;
  return n;
};

/** present_over_time. */
const presentOverTime: WindowFunction = () => {
  return 1;
};

/** last_over_time. */
const lastOverTime: WindowFunction = (_t, v, _lo, hi) => {
  return v[hi - 1];
};

/** first_over_time. */
const firstOverTime: WindowFunction = (_t, v, lo) => {
  return v[lo];
};

/** ts_of_last_over_time. */
const tsOfLastOverTime: WindowFunction = (t, _v, _lo, hi) => {
  return t[hi - 1] / 1000;
};

/** ts_of_first_over_time. */
const tsOfFirstOverTime: WindowFunction = (t, _v, lo) => {
  return t[lo] / 1000;
};

/** max_over_time, ts_of_max_over_time. */
function maxOverTime(name: string): WindowFunction {
  return (t, v, lo, hi) => {
    let m = v[lo];
    let mt = t[lo];
    for (let i = lo; i < hi; i++) {
      if (v[i] > m || m !== m || (name === 'ts_of_max_over_time' && v[i] >= m)) {
        if (v[i] === v[i] || m !== m) {
          m = v[i];
          mt = t[i];
        }
      }
    }
    return name === 'max_over_time' ? m : mt / 1000;
  };
}

/** min_over_time, ts_of_min_over_time. */
function minOverTime(name: string): WindowFunction {
  return (t, v, lo, hi) => {
    let m = v[lo];
    let mt = t[lo];
    for (let i = lo; i < hi; i++) {
      if (v[i] < m || m !== m || (name === 'ts_of_min_over_time' && v[i] <= m)) {
        if (v[i] === v[i] || m !== m) {
          m = v[i];
          mt = t[i];
        }
      }
    }
    return name === 'min_over_time' ? m : mt / 1000;
  };
}

/** stddev_over_time, stdvar_over_time. */
function stddevOverTime(name: string): WindowFunction {
  return (_t, v, lo, hi) => {
    let count = 0;
    let mean = 0;
    let aux = 0;
    const cm = new Float64Array(1);
    const ca = new Float64Array(1);
    for (let i = lo; i < hi; i++) {
      count++;
      const delta = v[i] - (mean + cm[0]);
      mean = kahanInc(delta / count, mean, cm);
      aux = kahanInc(delta * (v[i] - (mean + cm[0])), aux, ca);
    }
    const variance = (aux + ca[0]) / count;
    return name === 'stddev_over_time' ? Math.sqrt(variance) : variance;
  };
}

/** quantile_over_time. */
const quantileOverTime: WindowFunction = (_t, v, lo, hi, _rangeStart, _rangeEnd, _rangeMs, scalars, step) => {
  return quantileOf(scalars[0][step], Array.from(v.subarray(lo, hi)));
};

/** mad_over_time. */
const madOverTime: WindowFunction = (_t, v, lo, hi) => {
  const vals = Array.from(v.subarray(lo, hi));
  if (vals.some((x) => x !== x)) return NaN;
  const median = quantileOf(0.5, vals);
  return quantileOf(
    0.5,
    vals.map((x) => Math.abs(x - median)),
  );
};

/** changes. */
const changes: WindowFunction = (_t, v, lo, hi) => {
  let c = 0;
  for (let i = lo + 1; i < hi; i++) {
    const cur = v[i];
    const prev = v[i - 1];
    if (!(cur === prev || (cur !== cur && prev !== prev))) c++;
  }
  return c;
};

/** resets. */
const resetsCount: WindowFunction = (_t, v, lo, hi) => {
  let c = 0;
  for (let i = lo + 1; i < hi; i++) if (v[i] < v[i - 1]) c++;
  return c;
};

/** double_exponential_smoothing. */
const doubleExponentialSmoothing: WindowFunction = (_t, v, lo, hi, _rangeStart, _rangeEnd, _rangeMs, scalars, step) => {
  const n = hi - lo;
  if (n < 2) return undefined;
  const sf = scalars[0][step];
  const tf = scalars[1][step];
  let s0 = 0;
  let s1 = v[lo];
  let b = v[lo + 1] - v[lo];
  for (let i = 1; i < n; i++) {
    const x = sf * v[lo + i];
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
};

/** The float implementation of each range function, by name. */
export const WINDOW_FUNCTIONS: ReadonlyMap<string, WindowFunction> = new Map([
  ['rate', rate('rate')],
  ['increase', rate('increase')],
  ['delta', rate('delta')],
  ['irate', irate('irate')],
  ['idelta', irate('idelta')],
  ['deriv', deriv],
  ['predict_linear', predictLinear],
  ['sum_over_time', sumOverTime],
  ['avg_over_time', avgOverTime],
  ['count_over_time', countOverTime],
  ['present_over_time', presentOverTime],
  ['last_over_time', lastOverTime],
  ['first_over_time', firstOverTime],
  ['ts_of_last_over_time', tsOfLastOverTime],
  ['ts_of_first_over_time', tsOfFirstOverTime],
  ['max_over_time', maxOverTime('max_over_time')],
  ['ts_of_max_over_time', maxOverTime('ts_of_max_over_time')],
  ['min_over_time', minOverTime('min_over_time')],
  ['ts_of_min_over_time', minOverTime('ts_of_min_over_time')],
  ['stddev_over_time', stddevOverTime('stddev_over_time')],
  ['stdvar_over_time', stddevOverTime('stdvar_over_time')],
  ['quantile_over_time', quantileOverTime],
  ['mad_over_time', madOverTime],
  ['changes', changes],
  ['resets', resetsCount],
  ['double_exponential_smoothing', doubleExponentialSmoothing],
]);

/** The range function `name` over one window (undefined for names without a float implementation). */
export function rangeFunc(name: string, t: Float64Array, v: Float64Array, lo: number, hi: number, rangeStart: number, rangeEnd: number, rangeMs: number, scalars: Float64Array[], step: number, resets?: Int32Array, evalTime = rangeEnd): number | undefined {
  const f = WINDOW_FUNCTIONS.get(name);
  return f ? f(t, v, lo, hi, rangeStart, rangeEnd, rangeMs, scalars, step, resets, evalTime) : undefined;
}
