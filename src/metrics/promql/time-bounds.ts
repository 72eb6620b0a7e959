import type { Expr } from './ast.js';
import type { Evaluator } from './evaluator.js';

/** The [mint, maxt] (ms, inclusive) the selectors of `e` read when evaluated over this evaluator's steps. */
export function timeBounds(ev: Evaluator, e: Expr, start = ev.start, end = ev.end): [number, number] {
  let mint = Infinity;
  let maxt = -Infinity;
  const visit = (x: Expr, lo: number, hi: number): void => {
    switch (x.kind) {
      case 'vector': {
        const at = ev.atTime(x.at, x.atMod);
        const off = ev.duration(x.offset);
        const a = (at ?? lo) - off;
        const b = (at ?? hi) - off;
        mint = Math.min(mint, a - ev.ctx.lookbackDelta + 1);
        maxt = Math.max(maxt, b);
        return;
      }
      case 'matrix': {
        const at = ev.atTime(x.vs.at, x.vs.atMod);
        const off = ev.duration(x.vs.offset);
        const a = (at ?? lo) - off;
        const b = (at ?? hi) - off;
        mint = Math.min(mint, a - ev.duration(x.range) + 1);
        maxt = Math.max(maxt, b);
        return;
      }
      case 'subquery': {
        const at = ev.atTime(x.at, x.atMod);
        const off = ev.duration(x.offset);
        visit(x.expr, (at ?? lo) - off - ev.duration(x.range), (at ?? hi) - off);
        return;
      }
      case 'paren':
      case 'unary':
        visit(x.expr, lo, hi);
        return;
      case 'call':
        for (const a of x.args) visit(a, lo, hi);
        if (x.name === 'info') {
          mint = Math.min(mint, lo - ev.ctx.lookbackDelta + 1);
          maxt = Math.max(maxt, hi);
        }
        return;
      case 'aggregate':
        if (x.param) visit(x.param, lo, hi);
        visit(x.expr, lo, hi);
        return;
      case 'binary':
        visit(x.lhs, lo, hi);
        visit(x.rhs, lo, hi);
        return;
      default:
        return;
    }
  };
  visit(e, start, end);
  if (mint === Infinity) return [start, end];
  return [mint, maxt];
}
