import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';
import { Matcher, type MatchType } from '../../model/index.js';
import { compileAnchored, compileUnanchored } from '../../lib/regex/index.js';
import { unquoteGo } from '../../lib/go-string.js';
import { parseDurationParam } from '../model/index.js';
import type { BinaryOp, CompareOp, Expr, ExtractionExpr, Grouping, LabelFilter, LineFilterOp, LogSelectorExpr, MetricExpr, RangeOp, Stage, Unwrap, VectorOp } from './ast.js';
import { MAX_QUERY_NESTING, nestsDeeperThan } from '../../lib/nesting-depth.js';
import { parseBounded } from '../../lib/lezer-recovery.js';

/** A LogQL syntax or semantic error; the API answers 400 with the message, as Loki does. */
export class LogqlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogqlParseError';
  }
}

/**
 * The longest accepted query text in bytes: far above any dashboard query, low enough that the grammar's error
 * recovery on hostile input (`{` repeated) stays well under a second on the shared event loop.
 */
export const MAX_LOGQL_QUERY_LENGTH = 64 * 1024;

/** Parse a LogQL query with `@grafana/lezer-logql` into our AST. */
export function parseLogql(query: string): Expr {
  if (query.trim() === '') throw new LogqlParseError('syntax error: unexpected end of input');
  if (query.length > MAX_LOGQL_QUERY_LENGTH) {
    throw new LogqlParseError(`parse error : query of ${query.length} bytes is longer than the limit of ${MAX_LOGQL_QUERY_LENGTH} bytes`);
  }
  if (nestsDeeperThan(query, MAX_QUERY_NESTING)) throw new LogqlParseError(`parse error : expression nested too deeply (more than ${MAX_QUERY_NESTING} levels)`);
  try {
    return parseChecked(query);
  } catch (e) {
    // Nesting deep enough to exhaust the stack is a client mistake (400), never an internal error.
    if (e instanceof RangeError) throw new LogqlParseError('parse error : expression nested too deeply');
    throw e;
  }
}

function parseChecked(query: string): Expr {
  const tree = parseBounded(parser, query);
  let err: SyntaxNode | undefined;
  tree.iterate({
    enter(n) {
      if (err) return false;
      if (n.type.isError) {
        err = n.node;
        return false;
      }
      return undefined;
    },
  });
  if (err) {
    const pos = err.from;
    const before = query.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    const strStart = query.lastIndexOf('"', pos) >= 0 ? unterminatedString(query) : -1;
    if (strStart >= 0) {
      const b = query.slice(0, strStart);
      throw new LogqlParseError(`parse error at line ${b.split('\n').length}, col ${strStart - b.lastIndexOf('\n')}: literal not terminated`);
    }
    const tok = query.slice(pos).match(/^\s*(\S+)/)?.[1];
    throw new LogqlParseError(`parse error at line ${line}, col ${col}: syntax error: unexpected ${tok ? tok : 'end of input'}`);
  }
  const top = tree.topNode.firstChild;
  if (!top) throw new LogqlParseError('syntax error: unexpected end of input');
  return new Builder(query).expr(top);
}

/** Offset of a string literal that is never closed, or -1. */
function unterminatedString(q: string): number {
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (c === '"' || c === '`') {
      const start = i;
      i++;
      while (i < q.length && q[i] !== c) i += c === '"' && q[i] === '\\' ? 2 : 1;
      if (i >= q.length) return start;
    }
    i++;
  }
  return -1;
}

const kids = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};

/** Go string literal (interpreted "..." or raw `...`), as strconv.Unquote reads it; Loki's message when invalid. */
export function unquote(s: string): string {
  if (!s.startsWith('`') && !s.startsWith('"')) throw new LogqlParseError(`invalid quoted string ${s}`);
  try {
    return unquoteGo(s);
  } catch {
    const esc = /\\([^abfnrtvxuU0-7\\"'])/.exec(s);
    throw new LogqlParseError(esc ? `invalid char escape: \\${esc[1]}` : `invalid quoted string ${s}`);
  }
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, pib: 1024 ** 5, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 };

/** go-humanize ParseBytes: `10KB` (1000s), `10KiB` (1024s), `42` bytes. */
export function parseBytes(s: string): number | undefined {
  const m = /^([\d.]+)\s*([a-zA-Z]*)$/.exec(s.trim());
  if (!m) return undefined;
  const u = m[2].toLowerCase();
  const mult = u === '' ? 1 : BYTE_UNITS[u];
  if (mult === undefined) return undefined;
  return Number(m[1]) * mult;
}

const PREC: Record<string, number> = { or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '>': 3, '>=': 3, '<': 3, '<=': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, '^': 6 };

type OpInfo = { op: BinaryOp; bool: boolean; matching?: Extract<MetricExpr, { kind: 'binary' }>['matching'] };

class Builder {
  constructor(private readonly q: string) {}

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  child(n: SyntaxNode, name: string): SyntaxNode | undefined {
    return kids(n).find((c) => c.name === name);
  }

  expr(n: SyntaxNode): Expr {
    if (n.name === 'Expr') n = n.firstChild!;
    if (n.name === 'LogExpr') return this.logExpr(n);
    if (n.name === 'MetricExpr') return this.metric(n);
    throw new LogqlParseError(`syntax error: unexpected ${n.name}`);
  }

  logExpr(n: SyntaxNode): LogSelectorExpr {
    const sel = this.child(n, 'Selector');
    if (!sel) {
      const inner = this.child(n, 'LogExpr');
      if (inner) return this.logExpr(inner);
      throw new LogqlParseError('syntax error: missing stream selector');
    }
    const out: LogSelectorExpr = { kind: 'log', matchers: this.selector(sel), stages: [] };
    const pipe = this.child(n, 'PipelineExpr');
    if (pipe) this.pipeline(pipe, out.stages);
    return out;
  }

  selector(n: SyntaxNode): Matcher[] {
    const out: Matcher[] = [];
    const walk = (m: SyntaxNode) => {
      for (const c of kids(m)) {
        if (c.name === 'Matchers') walk(c);
        else if (c.name === 'Matcher') out.push(this.matcher(c));
      }
    };
    const ms = this.child(n, 'Matchers');
    if (ms) walk(ms);
    if (out.length === 0) throw new LogqlParseError('parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will');
    if (out.every((m) => m.matchesEmpty())) {
      throw new LogqlParseError('parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will');
    }
    return out;
  }

  matcher(n: SyntaxNode): Matcher {
    const [id, op, str] = kids(n);
    const type: MatchType = op.name === 'Eq' ? '=' : op.name === 'Neq' ? '!=' : op.name === 'Re' ? '=~' : '!~';
    try {
      return new Matcher(type, this.text(id), unquote(this.text(str)));
    } catch (e) {
      throw new LogqlParseError(`parse error : ${(e as Error).message}`);
    }
  }

  pipeline(n: SyntaxNode, out: Stage[]): void {
    for (const c of kids(n)) {
      if (c.name === 'PipelineExpr') this.pipeline(c, out);
      else if (c.name === 'PipelineStage') this.stage(c, out);
    }
  }

  stage(n: SyntaxNode, out: Stage[]): void {
    for (const c of kids(n)) {
      switch (c.name) {
        case 'Pipe':
          break;
        case 'LineFilters':
          this.lineFilters(c, out);
          break;
        case 'JsonExpressionParser':
          out.push({ kind: 'json', exprs: this.extractions(c) });
          break;
        case 'LogfmtParser':
        case 'LogfmtExpressionParser': {
          const flags = kids(this.child(c, 'LogfmtParserFlags') ?? c)
            .filter((f) => f.name === 'ParserFlag')
            .map((f) => this.text(f));
          out.push({ kind: 'logfmt', strict: flags.includes('--strict'), keepEmpty: flags.includes('--keep-empty'), exprs: this.extractions(c) });
          break;
        }
        case 'LabelParser': {
          const k = c.firstChild!;
          const s = this.child(c, 'String');
          if (k.name === 'Json') out.push({ kind: 'json', exprs: [] });
          else if (k.name === 'Logfmt') out.push({ kind: 'logfmt', strict: false, keepEmpty: false, exprs: [] });
          else if (k.name === 'Unpack') out.push({ kind: 'unpack' });
          else if (k.name === 'Regexp') {
            const pattern = unquote(this.text(s!));
            try {
              compileUnanchored(pattern);
            } catch (e) {
              throw new LogqlParseError(`parse error : invalid regexp ${pattern}: ${(e as Error).message}`);
            }
            if (!/\(\?P?<[A-Za-z_]/.test(pattern)) throw new LogqlParseError('parse error : at least one named capture must be supplied');
            out.push({ kind: 'regexp', pattern });
          } else if (k.name === 'Pattern') out.push({ kind: 'pattern', pattern: unquote(this.text(s!)) });
          break;
        }
        case 'LabelFilter':
          out.push({ kind: 'labelFilter', filter: this.labelFilter(c) });
          break;
        case 'LineFormatExpr':
          out.push({ kind: 'lineFormat', template: unquote(this.text(this.child(c, 'String')!)) });
          break;
        case 'LabelFormatExpr': {
          const items: Array<{ dst: string; src?: string; template?: string }> = [];
          const walk = (m: SyntaxNode) => {
            for (const k of kids(m)) {
              if (k.name === 'LabelsFormat') walk(k);
              else if (k.name === 'LabelFormatMatcher') {
                const [dst, , v] = kids(k);
                if (v.name === 'String') items.push({ dst: this.text(dst), template: unquote(this.text(v)) });
                else items.push({ dst: this.text(dst), src: this.text(v) });
              }
            }
          };
          walk(c);
          out.push({ kind: 'labelFormat', items });
          break;
        }
        case 'DropLabelsExpr':
        case 'KeepLabelsExpr': {
          const items: Array<{ name: string; matcher?: Matcher }> = [];
          const walk = (m: SyntaxNode) => {
            for (const k of kids(m)) {
              if (k.name === 'DropLabels' || k.name === 'KeepLabels') walk(k);
              else if (k.name === 'DropLabel' || k.name === 'KeepLabel') {
                const f = k.firstChild!;
                if (f.name === 'Matcher') {
                  const m2 = this.matcher(f);
                  items.push({ name: m2.name, matcher: m2 });
                } else items.push({ name: this.text(f) });
              }
            }
          };
          walk(c);
          out.push({ kind: c.name === 'DropLabelsExpr' ? 'drop' : 'keep', items });
          break;
        }
        case 'DecolorizeExpr':
          out.push({ kind: 'decolorize' });
          break;
        default:
          throw new LogqlParseError(`syntax error: unexpected ${this.text(c)}`);
      }
    }
  }

  lineFilters(n: SyntaxNode, out: Stage[]): void {
    for (const c of kids(n)) {
      if (c.name === 'LineFilters') this.lineFilters(c, out);
      else if (c.name === 'LineFilter') {
        const f = this.child(c, 'Filter')!.firstChild!;
        const op = this.text(f) as LineFilterOp;
        const ip = this.child(c, 'FilterOp') !== undefined;
        const values: string[] = [];
        const collect = (m: SyntaxNode) => {
          for (const k of kids(m)) {
            if (k.name === 'String') values.push(unquote(this.text(k)));
            else if (k.name === 'OrFilter') collect(k);
          }
        };
        collect(c);
        if (op === '|~' || op === '!~') {
          for (const v of values) {
            try {
              compileUnanchored(v);
            } catch (e) {
              throw new LogqlParseError(`parse error : invalid regexp ${v}: ${(e as Error).message}`);
            }
          }
        }
        out.push({ kind: 'lineFilter', op, values, ip: ip || undefined });
      }
    }
  }

  extractions(n: SyntaxNode): ExtractionExpr[] {
    const out: ExtractionExpr[] = [];
    const walk = (m: SyntaxNode) => {
      for (const k of kids(m)) {
        if (k.name === 'LabelExtractionExpressionList') walk(k);
        else if (k.name === 'LabelExtractionExpression') {
          const id = this.text(k.firstChild!);
          const s = this.child(k, 'String');
          out.push({ name: id, path: s ? unquote(this.text(s)) : undefined });
        }
      }
    };
    walk(n);
    return out;
  }

  labelFilter(n: SyntaxNode): LabelFilter {
    const ks = kids(n);
    if (ks.length === 1) {
      const c = ks[0];
      if (c.name === 'LabelFilter') return this.labelFilter(c);
      if (c.name === 'Matcher') return { kind: 'matcher', matcher: this.matcher(c) };
      if (c.name === 'NumberFilter') {
        const [id, op, lit] = kids(c);
        return { kind: 'number', name: this.text(id), op: compareOp(this.text(op)), value: Number(this.text(lit)) };
      }
      if (c.name === 'UnitFilter') {
        const f = c.firstChild!;
        const [id, op, v] = kids(f);
        if (f.name === 'DurationFilter') {
          const ms = parseDurationParam(this.text(v));
          if (ms === undefined) throw new LogqlParseError(`parse error : invalid duration ${this.text(v)}`);
          return { kind: 'duration', name: this.text(id), op: compareOp(this.text(op)), value: ms / 1000 };
        }
        const b = parseBytes(this.text(v));
        if (b === undefined) throw new LogqlParseError(`parse error : invalid bytes ${this.text(v)}`);
        return { kind: 'bytes', name: this.text(id), op: compareOp(this.text(op)), value: b };
      }
      if (c.name === 'IpLabelFilter') {
        const [id, op, , s] = kids(c);
        return { kind: 'ip', name: this.text(id), negate: this.text(op) === '!=', pattern: unquote(this.text(s)) };
      }
      throw new LogqlParseError(`syntax error: unexpected ${this.text(c)}`);
    }
    // binary: LabelFilter (And|Or)? LabelFilter   (a comma or space means and)
    const filters = ks.filter((k) => k.name === 'LabelFilter');
    const or = ks.some((k) => k.name === 'Or');
    if (filters.length === 2) return { kind: or ? 'or' : 'and', left: this.labelFilter(filters[0]), right: this.labelFilter(filters[1]) };
    if (filters.length === 1) return this.labelFilter(filters[0]);
    throw new LogqlParseError(`syntax error: unexpected ${this.text(n)}`);
  }

  // ---- metric expressions ----

  metric(n: SyntaxNode): MetricExpr {
    const c = n.firstChild!;
    switch (c.name) {
      case 'MetricExpr':
        return this.metric(c);
      case 'RangeAggregationExpr':
        return this.rangeAgg(c);
      case 'VectorAggregationExpr':
        return this.vectorAgg(c);
      case 'BinOpExpr':
        return this.binOp(c);
      case 'LiteralExpr':
        return { kind: 'literal', value: this.literal(c) };
      case 'VectorExpr':
        return { kind: 'vector', value: Number(this.text(this.child(c, 'Number')!)) };
      case 'LabelReplaceExpr': {
        const strs = kids(c)
          .filter((k) => k.name === 'String')
          .map((k) => unquote(this.text(k)));
        const [dst, replacement, src, regex] = strs;
        try {
          compileAnchored(regex);
        } catch (e) {
          throw new LogqlParseError(`parse error : invalid regular expression in label_replace(): ${regex}: ${(e as Error).message}`);
        }
        return { kind: 'labelReplace', expr: this.metric(this.child(c, 'MetricExpr')!), dst, replacement, src, regex };
      }
      default:
        throw new LogqlParseError(`syntax error: unexpected ${this.text(c)}`);
    }
  }

  literal(n: SyntaxNode): number {
    const t = this.text(n).replace(/\s+/g, '');
    const v = Number(t);
    if (Number.isNaN(v) && t !== 'NaN') throw new LogqlParseError(`syntax error: unexpected ${t}`);
    return v;
  }

  rangeAgg(n: SyntaxNode): MetricExpr {
    const opName = this.text(this.child(n, 'RangeOp')!) as RangeOp;
    const num = this.child(n, 'Number');
    const lre = this.child(n, 'LogRangeExpr')!;
    const grouping = this.grouping(this.child(n, 'Grouping'));
    let log: LogSelectorExpr | undefined;
    let rangeMs = 0;
    let offsetMs = 0;
    let unwrap: Unwrap | undefined;
    const stages: Stage[] = [];
    for (const k of kids(lre)) {
      if (k.name === 'Selector') log = { kind: 'log', matchers: this.selector(k), stages };
      else if (k.name === 'PipelineExpr') this.pipeline(k, stages);
      else if (k.name === 'Range') {
        const d = parseDurationParam(this.text(k).replace(/^\[|\]$/g, '').trim());
        if (d === undefined) throw new LogqlParseError(`parse error : invalid range ${this.text(k)}`);
        rangeMs = d;
      } else if (k.name === 'OffsetExpr') offsetMs = parseDurationParam(this.text(this.child(k, 'Duration')!)) ?? 0;
      else if (k.name === 'UnwrapExpr') unwrap = this.unwrap(k);
      else if (k.name === 'LogRangeExpr' || k.name === 'LogExpr') {
        // parenthesised selector: ({a="b"} |= "x")[5m]
        const inner = k.name === 'LogExpr' ? this.logExpr(k) : undefined;
        if (inner) {
          log = { kind: 'log', matchers: inner.matchers, stages };
          stages.push(...inner.stages);
        }
      }
    }
    if (!log) throw new LogqlParseError('syntax error: missing log selector in range aggregation');
    const needsUnwrap = !['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'absent_over_time'].includes(opName);
    if (needsUnwrap && !unwrap) throw new LogqlParseError(`parse error : invalid aggregation ${opName} without unwrap`);
    if (unwrap && ['count_over_time', 'bytes_over_time', 'bytes_rate', 'absent_over_time'].includes(opName)) {
      throw new LogqlParseError(`parse error : invalid aggregation ${opName} with unwrap`);
    }
    if (grouping && !['avg_over_time', 'sum_over_time', 'min_over_time', 'max_over_time', 'stddev_over_time', 'stdvar_over_time', 'quantile_over_time', 'first_over_time', 'last_over_time', 'rate', 'rate_counter'].includes(opName)) {
      throw new LogqlParseError(`parse error : grouping not allowed for ${opName} aggregation`);
    }
    if (opName === 'quantile_over_time' && !num) throw new LogqlParseError('parse error : parameter required for operation quantile_over_time');
    return { kind: 'range', op: opName, param: num ? Number(this.text(num)) : undefined, log, unwrap, rangeMs, offsetMs, grouping };
  }

  unwrap(n: SyntaxNode): Unwrap {
    const inner = this.child(n, 'UnwrapExpr');
    if (inner) {
      const u = this.unwrap(inner);
      const lf = this.child(n, 'LabelFilter');
      if (lf) u.post.push(this.labelFilter(lf));
      return u;
    }
    const conv = this.child(n, 'ConvOp');
    const convName = conv ? this.text(conv.firstChild!) : undefined;
    return {
      label: this.text(this.child(n, 'Identifier')!),
      conv: convName === 'duration' ? 'duration' : convName === 'duration_seconds' ? 'duration_seconds' : convName === 'bytes' ? 'bytes' : undefined,
      post: [],
    };
  }

  grouping(n: SyntaxNode | undefined): Grouping | undefined {
    if (!n) return undefined;
    const without = this.child(n, 'Without') !== undefined;
    const labels: string[] = [];
    const ls = this.child(n, 'Labels');
    if (ls) for (const k of kids(ls)) if (k.name === 'Identifier') labels.push(this.text(k));
    return { without, labels };
  }

  vectorAgg(n: SyntaxNode): MetricExpr {
    const opNode = this.child(n, 'VectorOp')!;
    const op = this.text(opNode) as VectorOp;
    const num = this.child(n, 'Number');
    const grouping = this.grouping(this.child(n, 'Grouping'));
    const inner = this.child(n, 'MetricExpr');
    if (!inner) throw new LogqlParseError(`parse error : ${op} requires a metric expression (a range aggregation such as rate({...}[1m]))`);
    if ((op === 'topk' || op === 'bottomk') && !num) throw new LogqlParseError(`parse error : parameter required for operation ${op}`);
    if ((op === 'topk' || op === 'bottomk') && num && !(Number(this.text(num)) > 0)) {
      throw new LogqlParseError(`parse error : invalid parameter (must be greater than 0) ${op}(${this.text(num)}`);
    }
    return { kind: 'vectorAgg', op, param: num ? Number(this.text(num)) : undefined, grouping, expr: this.metric(inner) };
  }

  /** Flatten a chain of binary operations and rebuild it with LogQL's precedence (the grammar nests them flat). */
  binOp(n: SyntaxNode): MetricExpr {
    const operands: MetricExpr[] = [];
    const ops: OpInfo[] = [];
    const flatten = (b: SyntaxNode) => {
      const ks = kids(b);
      const exprs = ks.filter((k) => k.name === 'Expr');
      const opNode = ks.find((k) => k.name !== 'Expr' && k.name !== 'BinOpModifier')!;
      const mod = ks.find((k) => k.name === 'BinOpModifier');
      const side = (e: SyntaxNode) => {
        const m = e.firstChild!;
        if (m.name === 'MetricExpr' && m.firstChild?.name === 'BinOpExpr') flatten(m.firstChild);
        else if (m.name === 'MetricExpr') operands.push(this.metric(m));
        else throw new LogqlParseError('parse error : unexpected type for left leg of binary operation (logs): only metric expressions are allowed');
      };
      side(exprs[0]);
      ops.push(this.opInfo(this.text(opNode), mod));
      side(exprs[1]);
    };
    flatten(n);
    // precedence climbing over operands[0] ops[0] operands[1] ...
    let i = 0;
    const parse = (minPrec: number): MetricExpr => {
      let left = operands[i];
      while (i < ops.length && PREC[ops[i].op] >= minPrec) {
        const o = ops[i];
        const p = PREC[o.op];
        i++;
        const right = parseRhs(o.op === '^' ? p : p + 1);
        left = this.mkBinary(o, left, right);
      }
      return left;
    };
    const parseRhs = (minPrec: number): MetricExpr => {
      let left = operands[i];
      while (i < ops.length && PREC[ops[i].op] >= minPrec) {
        const o = ops[i];
        const p = PREC[o.op];
        i++;
        const right = parseRhs(o.op === '^' ? p : p + 1);
        left = this.mkBinary(o, left, right);
      }
      return left;
    };
    return parse(0);
  }

  mkBinary(o: OpInfo, left: MetricExpr, right: MetricExpr): MetricExpr {
    if (left.kind === 'literal' && right.kind === 'literal' && !['and', 'or', 'unless'].includes(o.op)) {
      // constant folding keeps scalar semantics simple
      return { kind: 'binary', op: o.op, left, right, bool: o.bool, matching: o.matching };
    }
    return { kind: 'binary', op: o.op, left, right, bool: o.bool, matching: o.matching };
  }

  opInfo(op: string, mod: SyntaxNode | undefined): OpInfo {
    const info: OpInfo = { op: op as BinaryOp, bool: false };
    if (!mod) return info;
    for (const k of kids(mod)) {
      if (k.name === 'Bool') info.bool = true;
      else if (k.name === 'OnOrIgnoringModifier') {
        const on = this.child(k, 'On') !== undefined;
        info.matching = { on, labels: this.groupingLabels(this.child(k, 'GroupingLabels')), include: [] };
        const gl = this.child(k, 'GroupLeft') ?? this.child(k, 'GroupRight');
        if (gl) {
          info.matching.group = gl.name === 'GroupLeft' ? 'left' : 'right';
          const labelsNodes = kids(k).filter((x) => x.name === 'GroupingLabels');
          if (labelsNodes.length > 1) info.matching.include = this.groupingLabels(labelsNodes[1]);
        }
      }
    }
    if (info.bool && !['==', '!=', '>', '>=', '<', '<='].includes(op)) throw new LogqlParseError('parse error : bool modifier can only be used on comparison operators');
    return info;
  }

  groupingLabels(n: SyntaxNode | undefined): string[] {
    const out: string[] = [];
    if (!n) return out;
    n.toTree().iterate({
      enter: (x) => {
        if (x.name === 'LabelName') out.push(this.q.slice(n.from + x.from, n.from + x.to));
      },
    });
    return out;
  }
}

function compareOp(s: string): CompareOp {
  if (s === '=' || s === '==') return '==';
  return s as CompareOp;
}
