import { type BinaryExpr, type BinaryOp, COMPARISON_OPS } from '../ast.js';
import { histOp } from './histogram-ops.js';
import { scalarOp } from './scalar-ops.js';
import { setOp, vectorVector } from './vector-matching.js';
import type { Evaluator } from '../evaluator.js';
import { PromqlError } from '../types.js';
import type { StepSeries, Value } from '../values.js';

/** A binary expression: scalar-scalar, vector-scalar (either side), set operators, or vector-vector with matching. */
export async function evalBinary(ev: Evaluator, e: BinaryExpr): Promise<Value> {
  const lhs = await ev.eval(e.lhs);
  const rhs = await ev.eval(e.rhs);
  const steps = ev.steps;
  const op = e.op;
  ev.opExpr = e;
  if (lhs.type === 'scalar' && rhs.type === 'scalar') {
    const out = new Float64Array(steps);
    for (let i = 0; i < steps; i++) {
      const r = scalarOp(op, lhs.v[i], rhs.v[i]);
      out[i] = COMPARISON_OPS.has(op) ? (r.keep ? 1 : 0) : r.v;
    }
    return { type: 'scalar', v: out };
  }
  if (lhs.type === 'vector' && rhs.type === 'scalar') return { type: 'vector', series: vectorScalar(ev, op, lhs.series, rhs.v, false, e.bool) };
  if (lhs.type === 'scalar' && rhs.type === 'vector') return { type: 'vector', series: vectorScalar(ev, op, rhs.series, lhs.v, true, e.bool) };
  if (lhs.type !== 'vector' || rhs.type !== 'vector') throw new PromqlError('internal', 'binary operands');
  const m = e.matching!;
  if (op === 'and' || op === 'or' || op === 'unless') return { type: 'vector', series: setOp(ev, op, lhs.series, rhs.series, m) };
  return { type: 'vector', series: vectorVector(ev, op, lhs.series, rhs.series, m, e.bool) };
}

function vectorScalar(ev: Evaluator, op: BinaryOp, vec: StepSeries[], sc: Float64Array, swap: boolean, bool: boolean): StepSeries[] {
  const steps = ev.steps;
  const isCmp = COMPARISON_OPS.has(op) || op === '</' || op === '>/';
  for (const s of vec) {
    for (let i = 0; i < steps; i++) {
      if (!s.has[i]) continue;
      const hh = s.h?.[i];
      if (hh) {
        const r = histOp(ev, op, swap ? undefined : hh, swap ? sc[i] : 0, swap ? hh : undefined, swap ? 0 : sc[i], bool);
        if (!r) s.has[i] = 0;
        else {
          s.v[i] = r.v;
          s.h![i] = r.h;
        }
        continue;
      }
      const a = swap ? sc[i] : s.v[i];
      const b = swap ? s.v[i] : sc[i];
      const r = scalarOp(op, a, b);
      let v = r.v;
      let keep = r.keep;
      if (isCmp && swap) v = b;
      if (bool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (keep) s.v[i] = v;
      else s.has[i] = 0;
    }
    if (!isCmp || bool) s.dropName = true;
  }
  return vec.filter((s) => s.count() > 0);
}
