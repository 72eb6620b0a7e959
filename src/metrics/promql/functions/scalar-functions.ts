import { Labels } from '../../../model/index.js';
import { StepSeries } from '../values.js';
import type { FunctionCall } from './function-call.js';

/** A scalar with the same value at every step. */
function constant(value: (ev: Parameters<FunctionCall>[0]) => number): FunctionCall {
  return async (ev) => ({ type: 'scalar', v: new Float64Array(ev.steps).fill(value(ev)) });
}

function minMaxOf(name: 'min_of' | 'max_of'): FunctionCall {
  return async (ev, e) => {
    const a = await ev.evalScalar(e.args[0]);
    const b = await ev.evalScalar(e.args[1]);
    return { type: 'scalar', v: a.map((x, i) => (x !== x || b[i] !== b[i] ? NaN : name === 'min_of' ? Math.min(x, b[i]) : Math.max(x, b[i]))) };
  };
}

/** Functions of the query's time and parameters, and the conversions between scalars and vectors. */
export const SCALAR_FUNCTIONS: Record<string, FunctionCall> = {
  time: async (ev) => ({ type: 'scalar', v: ev.times.map((t) => t / 1000) }),
  pi: constant(() => Math.PI),
  step: constant((ev) => (ev.ctx.isRange ? ev.interval / 1000 : 0)),
  range: constant((ev) => (ev.ctx.queryEnd - ev.ctx.queryStart) / 1000),
  start: constant((ev) => ev.ctx.queryStart / 1000),
  end: constant((ev) => ev.ctx.queryEnd / 1000),
  min_of: minMaxOf('min_of'),
  max_of: minMaxOf('max_of'),
  vector: async (ev, e) => {
    const v = await ev.evalScalar(e.args[0]);
    const s = StepSeries.empty(Labels.EMPTY, ev.steps);
    s.v.set(v);
    s.has.fill(1);
    return { type: 'vector', series: [s] };
  },
  /** The value of a single-element float vector, else NaN. */
  scalar: async (ev, e) => {
    const vec = await ev.evalVector(e.args[0]);
    const out = new Float64Array(ev.steps).fill(NaN);
    for (let i = 0; i < ev.steps; i++) {
      let n = 0;
      let val = NaN;
      for (const s of vec) {
        if (s.has[i] && !s.h?.[i]) {
          n++;
          val = s.v[i];
        }
      }
      if (n === 1) out[i] = val;
    }
    return { type: 'scalar', v: out };
  },
};
