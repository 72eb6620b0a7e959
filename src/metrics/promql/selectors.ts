import type { Matcher } from '../../model/index.js';
import type { Expr } from './ast.js';
import { parseExpr } from './parser.js';

/**
 * Prometheus's `parser.ExtractSelectors`: the matchers of every vector selector of an expression (range selectors
 * included), in the order they are written. Bad expressions throw the parser's `PromqlError`.
 */
export function extractSelectors(input: string): Matcher[][] {
  const out: Matcher[][] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'vector':
        out.push(e.matchers);
        return;
      case 'matrix':
        return walk(e.vs);
      case 'subquery':
      case 'paren':
      case 'unary':
        return walk(e.expr);
      case 'call':
        return e.args.forEach(walk);
      case 'aggregate':
        if (e.param) walk(e.param);
        return walk(e.expr);
      case 'binary':
        walk(e.lhs);
        return walk(e.rhs);
      default:
        return;
    }
  };
  walk(parseExpr(input));
  return out;
}
