import { type FloatHistogram, HistogramOpError, trimHistogram } from '../../../model/index.js';
import type { BinaryOp } from '../ast.js';
import type { Evaluator } from '../evaluator.js';

/** A binary operation with at least one histogram operand; undefined = no result (with an info where Prometheus gives one). */
export function histOp(ev: Evaluator, op: BinaryOp, lh: FloatHistogram | undefined, lv: number, rh: FloatHistogram | undefined, rv: number, bool: boolean): { v: number; h?: FloatHistogram } | undefined {
  const kind = (h: FloatHistogram | undefined) => (h ? 'histogram' : 'float');
  const incompatible = () => {
    ev.ctx.infos.add(`PromQL info: incompatible sample types encountered for binary operator ${JSON.stringify(op)}: ${kind(lh)} ${op} ${kind(rh)}`);
    return undefined;
  };
  try {
    if (lh && rh) {
      switch (op) {
        case '+': {
          const h = lh.copy().add(rh).compact();
          ev.reconcileInfo('addition', ev.opExpr);
          return { v: 0, h };
        }
        case '-': {
          const h = lh.copy().sub(rh).compact();
          ev.reconcileInfo('subtraction', ev.opExpr);
          h.hint = 'gauge';
          return { v: 0, h };
        }
        case '==':
        case '!=': {
          const eq = lh.equals(rh);
          const keep = op === '==' ? eq : !eq;
          if (bool) return { v: keep ? 1 : 0 };
          return keep ? { v: 0, h: lh } : undefined;
        }
        default:
          return incompatible();
      }
    }
    if (lh && (op === '</' || op === '>/')) return { v: 0, h: trimHistogram(lh, rv, op === '</') };
    if (lh) {
      if (op === '*') return { v: 0, h: lh.copy().mul(rv) };
      if (op === '/') return { v: 0, h: lh.copy().div(rv) };
      return incompatible();
    }
    if (op === '*') return { v: 0, h: rh!.copy().mul(lv) };
    return incompatible();
  } catch (err) {
    if (!(err instanceof HistogramOpError)) throw err;
    ev.ctx.warnings.add(`PromQL warning: vector contains a mix of histograms with exponential and custom buckets schemas for metric name ""`);
    return undefined;
  }
}
