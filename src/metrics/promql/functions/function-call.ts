import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import type { Value } from '../values.js';

/**
 * The implementation of one PromQL function (Prometheus's `FunctionCall`): it evaluates the arguments it needs
 * through the evaluator (range vector arguments are loaded, not evaluated to matrices first) and returns the value.
 */
export type FunctionCall = (ev: Evaluator, call: Call) => Promise<Value>;
