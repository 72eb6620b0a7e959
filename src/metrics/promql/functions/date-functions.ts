import { Labels } from '../../../model/index.js';
import { unwrapParen } from '../ast.js';
import { StepSeries } from '../values.js';
import { evalVectorSelector } from '../vector-selector.js';
import type { FunctionCall } from './function-call.js';
import { elementwise } from './math-functions.js';

const DATE_FUNCS = ['minute', 'hour', 'day_of_week', 'day_of_month', 'day_of_year', 'days_in_month', 'month', 'year'];

function dateFunc(name: string, secs: number): number {
  if (!Number.isFinite(secs)) return NaN;
  const d = new Date(Math.trunc(secs) * 1000);
  switch (name) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day_of_week':
      return d.getUTCDay();
    case 'day_of_month':
      return d.getUTCDate();
    case 'day_of_year': {
      const start = Date.UTC(d.getUTCFullYear(), 0, 1);
      return Math.floor((d.getTime() - start) / 86400000) + 1;
    }
    case 'days_in_month':
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
  }
  return NaN;
}

/** minute(), hour(), ..., year(): of the sample values (seconds), or of the evaluation time without an argument. */
function dateFunction(name: string): FunctionCall {
  const ofValues = elementwise((s, _scalars, ev) => {
    for (let i = 0; i < ev.steps; i++) s.v[i] = dateFunc(name, s.v[i]);
  });
  return async (ev, e) => {
    if (e.args.length > 0) return ofValues(ev, e);
    // Without argument: vector(time()).
    const s = StepSeries.empty(Labels.EMPTY, ev.steps);
    for (let i = 0; i < ev.steps; i++) {
      s.v[i] = dateFunc(name, ev.times[i] / 1000);
      s.has[i] = 1;
    }
    return { type: 'vector', series: [s] };
  };
}

/** timestamp(): the time of each sample (of the selected sample itself when the argument is a selector). */
const timestamp: FunctionCall = async (ev, e) => {
  const a = unwrapParen(e.args[0]);
  if (a.kind === 'vector') {
    const series = await evalVectorSelector(ev, a, true);
    for (const s of series) s.dropName = true;
    return { type: 'vector', series };
  }
  const vec = await ev.evalVector(e.args[0]);
  for (const s of vec) {
    for (let i = 0; i < ev.steps; i++) s.v[i] = ev.times[i] / 1000;
    s.dropName = true;
  }
  return { type: 'vector', series: vec };
};

export const DATE_FUNCTIONS: Record<string, FunctionCall> = {
  ...Object.fromEntries(DATE_FUNCS.map((name) => [name, dateFunction(name)])),
  timestamp,
};
