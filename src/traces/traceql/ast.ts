import type { ComparisonOp } from '../model/index.js';

/** TraceQL abstract syntax, built from the `@grafana/lezer-traceql` parse tree by `parseTraceql`. */

export type AttrScope = 'span' | 'resource' | 'any' | 'event' | 'link' | 'instrumentation' | 'parent';

export type Intrinsic =
  | 'name'
  | 'status'
  | 'statusMessage'
  | 'duration'
  | 'kind'
  | 'rootName'
  | 'rootServiceName'
  | 'traceDuration'
  | 'span:id'
  | 'span:parentID'
  | 'trace:id'
  | 'event:name'
  | 'link:traceID'
  | 'link:spanID'
  | 'instrumentation:name'
  | 'instrumentation:version';

export type StaticKind = 'string' | 'int' | 'float' | 'duration' | 'bool' | 'nil' | 'status' | 'kind';

export type FieldExpr =
  | { type: 'intrinsic'; name: Intrinsic }
  | { type: 'attr'; scope: AttrScope; key: string }
  | { type: 'static'; kind: StaticKind; value: string | number | boolean | null }
  | { type: 'binary'; op: '&&' | '||' | ComparisonOp | ArithOp; left: FieldExpr; right: FieldExpr; grouped?: boolean }
  | { type: 'not'; expr: FieldExpr }
  | { type: 'neg'; expr: FieldExpr };

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '^';

export type SpansetOp = '&&' | '||' | '>' | '>>' | '<' | '<<' | '~' | '!>' | '!>>' | '!<' | '!<<' | '!~' | '&>' | '&>>' | '&<' | '&<<' | '&~';

export type AggregateFn = 'count' | 'avg' | 'min' | 'max' | 'sum';

export type Stage =
  | { type: 'filter'; expr: FieldExpr | null }
  | { type: 'spansetOp'; op: SpansetOp; left: Stage[]; right: Stage[] }
  | { type: 'scalarFilter'; fn: AggregateFn; field: FieldExpr | null; op: ComparisonOp; value: number }
  | { type: 'select'; fields: FieldExpr[] }
  | { type: 'by'; fields: FieldExpr[] }
  | { type: 'coalesce' }
  | { type: 'metrics'; fn: MetricsFn; field: FieldExpr | null; quantiles: number[]; by: FieldExpr[] };

export type MetricsFn = 'rate' | 'count_over_time' | 'quantile_over_time' | 'histogram_over_time' | 'min_over_time' | 'max_over_time' | 'avg_over_time' | 'sum_over_time';

/** A whole query: a pipeline of stages applied to the spans of each trace. */
export interface TraceqlQuery {
  stages: Stage[];
}

export class TraceqlParseError extends Error {
  override name = 'TraceqlParseError';
}
