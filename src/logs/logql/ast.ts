import type { Matcher } from '../../model/index.js';

/** LogQL's abstract syntax, built from the `@grafana/lezer-logql` tree by `parseLogql`. */
export type Expr = LogSelectorExpr | MetricExpr;

export interface LogSelectorExpr {
  kind: 'log';
  matchers: Matcher[];
  stages: Stage[];
}

export type LineFilterOp = '|=' | '!=' | '|~' | '!~' | '|>' | '!>';

export type Stage =
  | { kind: 'lineFilter'; op: LineFilterOp; values: string[]; ip?: boolean }
  | { kind: 'json'; exprs: ExtractionExpr[] }
  | { kind: 'logfmt'; strict: boolean; keepEmpty: boolean; exprs: ExtractionExpr[] }
  | { kind: 'regexp'; pattern: string }
  | { kind: 'pattern'; pattern: string }
  | { kind: 'unpack' }
  | { kind: 'labelFilter'; filter: LabelFilter }
  | { kind: 'lineFormat'; template: string }
  | { kind: 'labelFormat'; items: Array<{ dst: string; src?: string; template?: string }> }
  | { kind: 'drop' | 'keep'; items: Array<{ name: string; matcher?: Matcher }> }
  | { kind: 'decolorize' };

export interface ExtractionExpr {
  name: string;
  /** For json: a path like `a.b[0]`; for logfmt: the key. Undefined = the name itself. */
  path?: string;
}

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export type LabelFilter =
  | { kind: 'and' | 'or'; left: LabelFilter; right: LabelFilter }
  | { kind: 'matcher'; matcher: Matcher }
  | { kind: 'number' | 'duration' | 'bytes'; name: string; op: CompareOp; value: number }
  | { kind: 'ip'; name: string; negate: boolean; pattern: string };

export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'rate_counter'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'avg_over_time'
  | 'sum_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time';

export type VectorOp = 'sum' | 'avg' | 'count' | 'max' | 'min' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'sort' | 'sort_desc';

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '>=' | '<' | '<=' | 'and' | 'or' | 'unless';

export interface Grouping {
  without: boolean;
  labels: string[];
}

export interface Unwrap {
  label: string;
  conv?: 'duration' | 'duration_seconds' | 'bytes';
  /** Label filters after the unwrap (typically `| __error__=""`). */
  post: LabelFilter[];
}

export type MetricExpr =
  | {
      kind: 'range';
      op: RangeOp;
      param?: number;
      log: LogSelectorExpr;
      unwrap?: Unwrap;
      rangeMs: number;
      offsetMs: number;
      grouping?: Grouping;
    }
  | { kind: 'vectorAgg'; op: VectorOp; param?: number; grouping?: Grouping; expr: MetricExpr }
  | {
      kind: 'binary';
      op: BinaryOp;
      left: MetricExpr;
      right: MetricExpr;
      bool: boolean;
      matching?: { on: boolean; labels: string[]; group?: 'left' | 'right'; include: string[] };
    }
  | { kind: 'literal'; value: number }
  | { kind: 'vector'; value: number }
  | { kind: 'labelReplace'; expr: MetricExpr; dst: string; replacement: string; src: string; regex: string };
