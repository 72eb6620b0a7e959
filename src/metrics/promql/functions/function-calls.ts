import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { PromqlError } from '../types.js';
import type { Value } from '../values.js';
import { ABSENT_FUNCTIONS } from './absent.js';
import { DATE_FUNCTIONS } from './date-functions.js';
import type { FunctionCall } from './function-call.js';
import { HISTOGRAM_FUNCTIONS } from './histogram-functions.js';
import { INFO_FUNCTIONS } from './info.js';
import { LABEL_FUNCTIONS } from './label-functions.js';
import { MATH_FUNCTIONS } from './math-functions.js';
import { RANGE_FUNCTIONS } from './range-functions.js';
import { SCALAR_FUNCTIONS } from './scalar-functions.js';
import { SORT_FUNCTIONS } from './sort-functions.js';

/** Every PromQL function's implementation by name (Prometheus's `FunctionCalls`); signatures are in `../functions.ts`. */
export const FUNCTION_CALLS: ReadonlyMap<string, FunctionCall> = new Map(
  Object.entries({
    ...SCALAR_FUNCTIONS,
    ...MATH_FUNCTIONS,
    ...DATE_FUNCTIONS,
    ...ABSENT_FUNCTIONS,
    ...LABEL_FUNCTIONS,
    ...SORT_FUNCTIONS,
    ...HISTOGRAM_FUNCTIONS,
    ...INFO_FUNCTIONS,
    ...RANGE_FUNCTIONS,
  }),
);

/** Evaluates a function call through its implementation. */
export function callFunction(ev: Evaluator, e: Call): Promise<Value> {
  const f = FUNCTION_CALLS.get(e.name);
  if (!f) throw new PromqlError('internal', `function ${e.name} not implemented`);
  return f(ev, e);
}
