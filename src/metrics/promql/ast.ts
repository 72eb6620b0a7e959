import type { Matcher } from '../../model/index.js';
import { FUNCTIONS } from './functions.js';

/** Character offsets [start, end) in the query text. */
export interface PosRange {
  start: number;
  end: number;
}

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/**
 * A duration that may be an expression (`5m`, `step()`, `1h + 2*step()`); resolved to milliseconds once the
 * query's step and range are known.
 */
export type DurationExpr =
  | { kind: 'num'; ms: number }
  | { kind: 'step' }
  | { kind: 'range' }
  | { kind: 'unary'; op: '-' | '+'; expr: DurationExpr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '%' | '^'; lhs: DurationExpr; rhs: DurationExpr }
  | { kind: 'minmax'; op: 'min_of' | 'max_of'; lhs: DurationExpr; rhs: DurationExpr }
  | { kind: 'paren'; expr: DurationExpr };

export interface VectorSelector {
  kind: 'vector';
  name: string;
  matchers: Matcher[];
  offset: DurationExpr | null;
  /** `@ <time>` in ms, or null. */
  at: number | null;
  atMod: 'start' | 'end' | null;
  pos: PosRange;
  /** Experimental extended range selectors: `x[5m] anchored` / `x[5m] smoothed`. */
  anchored?: boolean;
  smoothed?: boolean;
}

export interface MatrixSelector {
  kind: 'matrix';
  vs: VectorSelector;
  range: DurationExpr;
  pos: PosRange;
}

export interface SubqueryExpr {
  kind: 'subquery';
  expr: Expr;
  range: DurationExpr;
  step: DurationExpr | null;
  offset: DurationExpr | null;
  at: number | null;
  atMod: 'start' | 'end' | null;
  pos: PosRange;
}

export interface NumberLiteral {
  kind: 'number';
  val: number;
  /** True when written as a duration (`5m`), which formats back as one. */
  duration: boolean;
  pos: PosRange;
}

export interface StringLiteral {
  kind: 'string';
  val: string;
  pos: PosRange;
}

export interface Call {
  kind: 'call';
  name: string;
  args: Expr[];
  pos: PosRange;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

export interface AggregateExpr {
  kind: 'aggregate';
  op: AggregateOp;
  expr: Expr;
  param: Expr | null;
  grouping: string[];
  without: boolean;
  /** True when `by`/`without` was written (even empty). */
  hasGrouping: boolean;
  pos: PosRange;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless' | '</' | '>/';

export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  on: boolean;
  labels: string[];
  include: string[];
  /** True when `on`/`ignoring` was written. */
  explicit: boolean;
  /** `fill(v)`, `fill_left(v)`, `fill_right(v)`: values for a missing side. */
  fill?: { lhs?: number; rhs?: number };
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  bool: boolean;
  matching: VectorMatching | null;
  /** The operator's position (where Prometheus reports the operator's type errors). */
  opPos?: PosRange;
  pos: PosRange;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '-' | '+';
  expr: Expr;
  pos: PosRange;
}

export interface ParenExpr {
  kind: 'paren';
  expr: Expr;
  pos: PosRange;
}

export type Expr =
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | NumberLiteral
  | StringLiteral
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<BinaryOp> = new Set(['and', 'or', 'unless']);

export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'vector':
      return 'vector';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'call':
      return FUNCTIONS.get(e.name)?.returns ?? 'vector';
    case 'aggregate':
      return 'vector';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(e.expr);
  }
}

/** The expression inside any parentheses. */
export function unwrapParen(e: Expr): Expr {
  while (e.kind === 'paren') e = e.expr;
  return e;
}
