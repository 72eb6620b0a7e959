import { parser } from '@grafana/lezer-traceql';
import type { SyntaxNode } from '@lezer/common';
import { unquoteGo } from '../../lib/go-string.js';
import type { ComparisonOp } from '../model/index.js';
import { TraceqlParseError, type AggregateFn, type FieldExpr, type Intrinsic, type MetricsFn, type SpansetOp, type Stage, type TraceqlQuery } from './ast.js';
import { MAX_QUERY_NESTING, nestsDeeperThan } from '../../lib/nesting-depth.js';
import { parseBounded } from '../../lib/lezer-recovery.js';

const INTRINSICS: Record<string, Intrinsic> = {
  name: 'name',
  status: 'status',
  statusMessage: 'statusMessage',
  duration: 'duration',
  kind: 'kind',
  rootName: 'rootName',
  rootServiceName: 'rootServiceName',
  traceDuration: 'traceDuration',
  'span:id': 'span:id',
  'span:parentID': 'span:parentID',
  'span:name': 'name',
  'span:status': 'status',
  'span:statusMessage': 'statusMessage',
  'span:duration': 'duration',
  'span:kind': 'kind',
  'trace:id': 'trace:id',
  'trace:rootName': 'rootName',
  'trace:rootService': 'rootServiceName',
  'trace:duration': 'traceDuration',
  'event:name': 'event:name',
  'link:traceID': 'link:traceID',
  'link:spanID': 'link:spanID',
  'instrumentation:name': 'instrumentation:name',
  'instrumentation:version': 'instrumentation:version',
};

const STATUS = new Set(['error', 'ok', 'unset']);
const KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };
const SPANSET_OPS = new Set<string>(['&&', '||', '>', '>>', '<', '<<', '~', '!>', '!>>', '!<', '!<<', '!~', '&>', '&>>', '&<', '&<<', '&~']);
const COMPARISONS = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);

/** Parse a TraceQL duration (`500ms`, `1.5s`, `1h30m`) to nanoseconds. */
export function parseTraceqlDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw new TraceqlParseError(`invalid duration ${JSON.stringify(s)}`);
  return total;
}

/** Parse a TraceQL query into our AST. Throws `TraceqlParseError` with the position of the first syntax error. */
/** The longest accepted TraceQL text in bytes (keeps the grammar's error recovery on hostile input short). */
export const MAX_TRACEQL_QUERY_LENGTH = 64 * 1024;

export function parseTraceql(q: string): TraceqlQuery {
  if (q.trim() === '') throw new TraceqlParseError('empty query');
  if (q.length > MAX_TRACEQL_QUERY_LENGTH) {
    throw new TraceqlParseError(`query of ${q.length} bytes is longer than the limit of ${MAX_TRACEQL_QUERY_LENGTH} bytes`);
  }
  if (nestsDeeperThan(q, MAX_QUERY_NESTING)) throw new TraceqlParseError(`expression nested too deeply (more than ${MAX_QUERY_NESTING} levels)`);
  try {
    return parseChecked(q);
  } catch (e) {
    // Nesting deep enough to exhaust the stack is a client mistake (400), never an internal error.
    if (e instanceof RangeError) throw new TraceqlParseError('expression nested too deeply');
    throw e;
  }
}

function parseChecked(q: string): TraceqlQuery {
  // Tempo accepts quantiles written `.9`; the lezer grammar wants a leading zero.
  q = q.replace(/(quantile_over_time\([^)]*)/g, (m) => m.replace(/([,(]\s*)\.(\d)/g, '$10.$2'));
  const tree = parseBounded(parser, q);
  let err: SyntaxNode | undefined;
  tree.iterate({
    enter(n) {
      if (n.type.isError && !err) err = n.node;
    },
  });
  if (err) {
    const { line, col } = position(q, err.from);
    const near = q.slice(err.from, Math.max(err.to, err.from + 1));
    throw new TraceqlParseError(`parse error at line ${line}, col ${col}: syntax error near ${JSON.stringify(near)}`);
  }
  const top = tree.topNode.firstChild;
  if (!top) throw new TraceqlParseError('empty query');
  if (top.name !== 'SpansetPipelineExpression') throw new TraceqlParseError(`unsupported query: ${top.name}`);
  return { stages: new Builder(q).pipelineExpr(top) };
}

function position(q: string, off: number): { line: number; col: number } {
  const before = q.slice(0, off).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

class Builder {
  constructor(private readonly src: string) {}

  private text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  private fail(n: SyntaxNode, msg: string): never {
    const { line, col } = position(this.src, n.from);
    throw new TraceqlParseError(`parse error at line ${line}, col ${col}: ${msg}`);
  }

  pipelineExpr(n: SyntaxNode): Stage[] {
    const kids = this.children(n);
    const exprs = kids.filter((k) => k.name === 'SpansetPipelineExpression' || k.name === 'WrappedSpansetPipeline');
    const pipe = kids.find((k) => k.name === 'Pipe');
    if (pipe && exprs.length === 2) return [...this.pipelineExpr(exprs[0]), ...this.pipelineExpr(exprs[1])];
    if (exprs.length === 2) {
      const op = this.src.slice(exprs[0].to, exprs[1].from).replace(/[()\s]/g, '');
      if (!SPANSET_OPS.has(op)) this.fail(n, `unsupported spanset operator ${JSON.stringify(op)}`);
      return [{ type: 'spansetOp', op: op as SpansetOp, left: this.pipelineExpr(exprs[0]), right: this.pipelineExpr(exprs[1]) }];
    }
    if (exprs.length === 1) return this.pipelineExpr(exprs[0]);
    const sp = kids.find((k) => k.name === 'SpansetPipeline');
    if (sp) return this.pipeline(sp);
    return this.fail(n, `unexpected ${JSON.stringify(this.text(n))}`);
  }

  private pipeline(n: SyntaxNode): Stage[] {
    const out: Stage[] = [];
    for (const c of this.children(n)) {
      switch (c.name) {
        case 'SpansetFilter': {
          const fe = this.children(c).find((k) => k.name === 'FieldExpression');
          out.push({ type: 'filter', expr: fe ? this.field(fe) : null });
          break;
        }
        case 'SpansetExpression':
          out.push(...this.pipeline(c));
          break;
        case 'ScalarFilter':
          out.push(this.scalarFilter(c));
          break;
        case 'SelectOperation':
          out.push({ type: 'select', fields: this.selectArgs(c) });
          break;
        case 'GroupOperation':
          out.push({ type: 'by', fields: this.children(c).filter((k) => k.name === 'FieldExpression').map((k) => this.field(k)) });
          break;
        case 'CoalesceOperation':
          out.push({ type: 'coalesce' });
          break;
        case 'MetricsOperation':
          out.push(this.metrics(c));
          break;
        case 'SpansetPipelineExpression':
          out.push(...this.pipelineExpr(c));
          break;
        default:
          this.fail(c, `unsupported ${c.name}`);
      }
    }
    return out;
  }

  private selectArgs(n: SyntaxNode): FieldExpr[] {
    const out: FieldExpr[] = [];
    const walk = (x: SyntaxNode) => {
      for (const c of this.children(x)) {
        if (c.name === 'SelectArgs') walk(c);
        else if (c.name === 'FieldExpression') out.push(this.field(c));
      }
    };
    walk(n);
    return out;
  }

  private scalarFilter(n: SyntaxNode): Stage {
    const kids = this.children(n);
    const lhs = kids.find((k) => k.name === 'ScalarExpression');
    const opNode = kids.find((k) => k.name === 'ComparisonOp');
    const rhs = kids.filter((k) => k.name === 'ScalarExpression')[1];
    if (!lhs || !opNode || !rhs) return this.fail(n, 'unsupported scalar filter');
    const agg = this.children(lhs).find((k) => k.name === 'Aggregate');
    if (!agg) return this.fail(lhs, 'expected an aggregate (count(), avg(), min(), max(), sum())');
    const aggKids = this.children(agg);
    const fnNode = aggKids.find((k) => k.name === 'AggregateExpression');
    const fn = (fnNode ? this.text(fnNode) : this.text(agg).split('(')[0]).trim() as AggregateFn;
    const fieldNode = aggKids.find((k) => k.name === 'FieldExpression');
    const op = this.text(opNode) as ComparisonOp;
    const value = this.scalarValue(rhs);
    return { type: 'scalarFilter', fn, field: fieldNode ? this.field(fieldNode) : null, op, value };
  }

  private scalarValue(n: SyntaxNode): number {
    const t = this.text(n).trim();
    const neg = t.startsWith('-');
    const body = neg ? t.slice(1).trim() : t;
    const v = /^\d+(\.\d+)?$/.test(body) ? Number(body) : parseTraceqlDuration(body);
    return neg ? -v : v;
  }

  private metrics(n: SyntaxNode): Stage {
    const op = n.firstChild;
    if (!op) return this.fail(n, 'empty metrics operation');
    const kids = this.children(op);
    const by = kids.filter((k) => k.name === 'GroupOperation').flatMap((g) => this.children(g).filter((k) => k.name === 'FieldExpression').map((k) => this.field(k)));
    const fnText = this.text(op).split('(')[0].trim() as MetricsFn;
    let field: FieldExpr | null = null;
    const quantiles: number[] = [];
    const args = kids.find((k) => k.name === 'MetricsOperationQuantileArgs');
    const argText = args ? this.text(args) : (/\(([^)]*)\)/.exec(this.text(op))?.[1] ?? '');
    const parts = argText.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (parts.length > 0) {
      const sub = parseTraceql(`{ ${parts[0]} = nil }`).stages[0];
      if (sub.type === 'filter' && sub.expr?.type === 'binary') field = sub.expr.left;
      for (const p of parts.slice(1)) quantiles.push(Number(p));
    }
    return { type: 'metrics', fn: fnText, field, quantiles, by };
  }

  field(n: SyntaxNode): FieldExpr {
    const kids = this.children(n);
    const fes = kids.filter((k) => k.name === 'FieldExpression');
    if (fes.length === 2) {
      const opNode = kids.find((k) => k.name === 'FieldOp' || k.name === 'And' || k.name === 'Or');
      const op = (opNode ? this.text(opNode) : this.src.slice(fes[0].to, fes[1].from).trim()) as FieldExpr extends { op: infer O } ? O : never;
      return { type: 'binary', op, left: this.field(fes[0]), right: this.field(fes[1]) };
    }
    if (fes.length === 1) {
      const prefix = this.src.slice(n.from, fes[0].from).replace(/\s/g, '');
      let inner = this.field(fes[0]);
      if (prefix.endsWith('(') && inner.type === 'binary') inner = { ...inner, grouped: true }; // parenthesised
      if (prefix.startsWith('!')) return applyUnary('not', inner);
      if (prefix.startsWith('-')) return applyUnary('neg', inner);
      return inner;
    }
    const c = kids[0];
    if (!c) return this.fail(n, 'empty expression');
    if (c.name === 'IntrinsicField') {
      const name = INTRINSICS[this.text(c)];
      if (!name) return this.fail(c, `unsupported intrinsic ${this.text(c)}`);
      return { type: 'intrinsic', name };
    }
    if (c.name === 'AttributeField') {
      const scopeNode = this.children(c).find((k) => k.name !== 'Identifier');
      const ident = this.children(c).find((k) => k.name === 'Identifier');
      const key = ident ? unquote(this.text(ident)) : '';
      const scope = scopeNode ? (this.text(scopeNode) as 'span' | 'resource' | 'event' | 'link' | 'instrumentation' | 'parent') : 'any';
      return { type: 'attr', scope, key };
    }
    if (c.name === 'Static') return this.staticValue(c);
    return this.fail(c, `unsupported ${c.name}`);
  }

  private staticValue(n: SyntaxNode): FieldExpr {
    const inner = n.firstChild;
    const t = this.text(n).trim();
    if (inner?.name === 'String') return { type: 'static', kind: 'string', value: unquote(t) };
    if (inner?.name === 'Integer') return { type: 'static', kind: 'int', value: Number(t) };
    if (inner?.name === 'Float') return { type: 'static', kind: 'float', value: Number(t) };
    if (inner?.name === 'Duration') return { type: 'static', kind: 'duration', value: parseTraceqlDuration(t) };
    if (t === 'true' || t === 'false') return { type: 'static', kind: 'bool', value: t === 'true' };
    if (t === 'nil') return { type: 'static', kind: 'nil', value: null };
    if (STATUS.has(t)) return { type: 'static', kind: 'status', value: t };
    if (KINDS.has(t)) return { type: 'static', kind: 'kind', value: t };
    return this.fail(n, `unsupported value ${JSON.stringify(t)}`);
  }
}

/** Unary operators bind tighter than binary ones; the grammar applies them to the whole rest, so re-associate. */
function applyUnary(type: 'not' | 'neg', e: FieldExpr): FieldExpr {
  if (e.type === 'binary' && !e.grouped) return { ...e, left: applyUnary(type, e.left) };
  return { type, expr: e };
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === '`')) {
    try {
      return unquoteGo(s);
    } catch {
      throw new TraceqlParseError(`invalid string literal ${s}`);
    }
  }
  return s;
}

export { COMPARISONS };
