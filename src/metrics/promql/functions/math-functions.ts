import type { Evaluator } from '../evaluator.js';
import type { StepSeries } from '../values.js';
import type { FunctionCall } from './function-call.js';

/**
 * A function applied sample by sample to the vector of its first argument (Prometheus's simpleFunc), with its
 * other arguments evaluated as scalars (one value per step). Histogram samples are ignored; the name is dropped.
 */
export function elementwise(apply: (s: StepSeries, scalars: Float64Array[], ev: Evaluator) => void): FunctionCall {
  return async (ev, e) => {
    const vec = await ev.evalVector(e.args[0]);
    const scalars: Float64Array[] = [];
    for (let i = 1; i < e.args.length; i++) scalars.push(await ev.evalScalar(e.args[i]));
    const steps = ev.steps;
    for (const s of vec) {
      if (s.h) {
        // Float functions ignore histogram samples.
        for (let i = 0; i < steps; i++) if (s.h[i]) s.has[i] = 0;
        s.h = undefined;
      }
      apply(s, scalars, ev);
      s.dropName = true;
    }
    return { type: 'vector', series: vec.filter((s) => s.count() > 0) };
  };
}

/** A float function of one value, applied to every step. */
function valuewise(f: (v: number) => number): FunctionCall {
  return elementwise((s, _scalars, ev) => {
    const v = s.v;
    for (let i = 0; i < ev.steps; i++) v[i] = f(v[i]);
  });
}

const SIMPLE_FUNCS: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
};

/** Go's math.Min/Max: NaN if either is NaN. */
function goMin(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return Math.min(a, b);
}

function goMax(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return Math.max(a, b);
}

/** abs, ceil, ln, sin, ..., clamp, clamp_min, clamp_max, round. */
export const MATH_FUNCTIONS: Record<string, FunctionCall> = {
  ...Object.fromEntries(Object.entries(SIMPLE_FUNCS).map(([name, f]) => [name, valuewise(f)])),
  clamp: elementwise((s, scalars, ev) => {
    const v = s.v;
    for (let i = 0; i < ev.steps; i++) {
      const lo = scalars[0][i];
      const hi = scalars[1][i];
      if (hi < lo) s.has[i] = 0;
      else v[i] = Math.max(lo, Math.min(hi, v[i]));
      if (lo !== lo || hi !== hi) v[i] = NaN;
    }
  }),
  clamp_max: elementwise((s, scalars, ev) => {
    for (let i = 0; i < ev.steps; i++) s.v[i] = goMin(s.v[i], scalars[0][i]);
  }),
  clamp_min: elementwise((s, scalars, ev) => {
    for (let i = 0; i < ev.steps; i++) s.v[i] = goMax(s.v[i], scalars[0][i]);
  }),
  round: elementwise((s, scalars, ev) => {
    for (let i = 0; i < ev.steps; i++) {
      const inv = 1 / (scalars.length ? scalars[0][i] : 1);
      s.v[i] = Math.floor(s.v[i] * inv + 0.5) / inv;
    }
  }),
};
