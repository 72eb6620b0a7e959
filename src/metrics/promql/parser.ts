import { parser as lezer } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { Matcher, METRIC_NAME, RegexSyntaxError, type MatchType } from '../../model/index.js';
import { unquoteGo } from '../../lib/go-string.js';
import { tryParseDuration } from '../../lib/duration.js';
import { PromqlError } from './types.js';
import { describe, lex, type Token } from './lexer.js';
import { MAX_QUERY_NESTING, nestsDeeperThan } from '../../lib/nesting-depth.js';
import { parseBounded } from '../../lib/lezer-recovery.js';
import {
  COMPARISON_OPS,
  SET_OPS,
  typeOf,
  type AggregateOp,
  type BinaryOp,
  type DurationExpr,
  type Expr,
  type PosRange,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { FUNCTIONS, typeName } from './functions.js';

/**
 * PromQL text -> our typed AST, using the grammar of Prometheus's UI (`@prometheus-io/lezer-promql`), then the
 * checks Prometheus's own parser makes (types, modifiers, matchers). Errors are `PromqlError('bad_data')` with
 * Prometheus's wording and the position of the offending part.
 */
export interface ParseOptions {
  /** Allow experimental functions (Prometheus's `--enable-feature=promql-experimental-functions`). */
  experimentalFunctions?: boolean;
  /** Longest accepted query text in bytes (default `DEFAULT_MAX_QUERY_LENGTH`); 0 = no limit. */
  maxLength?: number;
}

/**
 * The default limit on query text: far above any hand-written or generated dashboard query, low enough that the
 * grammar's error recovery on hostile input (`{` repeated) costs well under a second.
 */
export const DEFAULT_MAX_QUERY_LENGTH = 64 * 1024;

export function parseExpr(input: string, opts: ParseOptions = {}): Expr {
  const max = opts.maxLength ?? DEFAULT_MAX_QUERY_LENGTH;
  if (max > 0 && input.length > max) throw new PromqlError('bad_data', `parse error: query of ${input.length} bytes is longer than the limit of ${max} bytes`);
  if (nestsDeeperThan(input, MAX_QUERY_NESTING)) throw new PromqlError('bad_data', `parse error: expression nested too deeply (more than ${MAX_QUERY_NESTING} levels)`);
  try {
    const { tree, renamed } = parseWithScalarMinMax(grammarInput(input));
    const top = tree.topNode;
    const bad = syntaxError(input, top);
    if (bad) throw bad;
    const root = top.firstChild;
    if (!root) throw parseError(input, { start: 0, end: input.length }, 'no expression found in input');
    const p = new Converter(input, opts, renamed);
    const e = p.expr(root);
    p.check(e);
    return e;
  } catch (e) {
    // Nesting deep enough to exhaust the stack is refused as a parse error, never an internal one.
    if (e instanceof RangeError) throw new PromqlError('bad_data', 'parse error: expression nested too deeply');
    throw e;
  }
}

/**
 * A series selector alone (`match[]` of the HTTP API), as Prometheus's `ParseMetricSelector`: `name`,
 * `name{matchers}` or `{matchers}`, with the messages of Prometheus's parser for anything else. Empty matchers
 * are allowed here (the API decides whether a set may match everything).
 */
export function parseMetricSelector(input: string): Matcher[] {
  if (input.length > DEFAULT_MAX_QUERY_LENGTH) throw new PromqlError('bad_data', `parse error: selector of ${input.length} bytes is longer than the limit of ${DEFAULT_MAX_QUERY_LENGTH} bytes`);
  const { tokens, error: lexErr } = lex(input);
  // The selector's own tokens: a name (any word, keywords included), then `{ ... }`.
  let k = 0;
  if (tokens[k] && tokens[k].kind !== 'EOF' && /^[a-zA-Z_:]/.test(tokens[k].val) && tokens[k].kind !== 'STRING') k++;
  if (tokens[k]?.val === '{' && !tokens[k].inBraces) {
    k++;
    while (tokens[k] && tokens[k].inBraces) k++;
    if (tokens[k]?.val === '}') k++;
  }
  if (lexErr && lexErr.index <= k) throw parseError(input, { start: lexErr.pos, end: lexErr.pos }, lexErr.msg);
  if (nestsDeeperThan(input, MAX_QUERY_NESTING)) throw new PromqlError('bad_data', `parse error: expression nested too deeply (more than ${MAX_QUERY_NESTING} levels)`);
  const tree = parseBounded(lezer, grammarInput(input));
  const root = tree.topNode.firstChild;
  const err = firstErrorNode(tree.topNode);
  if (k === 0 || (tokens[k] && tokens[k].kind !== 'EOF') || !root || root.name !== 'VectorSelector' || (root.nextSibling && root.nextSibling.name !== 'LineComment')) {
    if (err && k > 0 && tokens[k]?.kind === 'EOF') throw syntaxError(input, tree.topNode)!;
    throw unexpectedToken(input, tokens, Math.min(k, tokens.length));
  }
  if (err || lexErr) throw syntaxError(input, tree.topNode)!;
  return new Converter(input, {}).selectorMatchers(root);
}

export function lineCol(input: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < input.length; i++) {
    if (input[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return `${line}:${col}`;
}

function parseError(input: string, pos: PosRange, msg: string): PromqlError {
  return new PromqlError('bad_data', `${lineCol(input, pos.start)}: parse error: ${msg}`, pos);
}

function firstErrorNode(top: SyntaxNode): SyntaxNode | null {
  let err: SyntaxNode | null = null;
  top.cursor().iterate((n) => {
    if (err) return false;
    if (n.type.isError) {
      err = n.node;
      return false;
    }
    return true;
  });
  return err;
}

/**
 * The syntax error Prometheus would report, or nothing when the text is well-formed. Lexer errors (Prometheus's
 * lexer runs ahead of its parser token by token) win when they come no later than the token the grammar failed on;
 * otherwise the failing token is named as Prometheus's parser names it, with its context.
 */
function syntaxError(input: string, top: SyntaxNode): PromqlError | undefined {
  const { tokens, error: lexErr } = lex(input);
  if (!lexErr && tokens.length === 1) return parseError(input, { start: 0, end: input.length }, 'no expression found in input');
  const err = firstErrorNode(top);
  if (!err) return lexErr ? parseError(input, { start: lexErr.pos, end: lexErr.pos }, lexErr.msg) : undefined;
  let k = tokens.findIndex((t) => t.from + Math.max(t.val.length, 1) > err.from);
  if (k < 0) k = tokens.length;
  if (lexErr && lexErr.index <= k) return parseError(input, { start: lexErr.pos, end: lexErr.pos }, lexErr.msg);
  const prev = err.prevSibling;
  if (prev && (prev.name === 'VectorSelector' || prev.name === 'Identifier') && input.slice(err.from, err.to).startsWith('(')) {
    const name = input.slice(prev.from, prev.to);
    return parseError(input, { start: prev.from, end: prev.to }, `unknown function with name ${JSON.stringify(name)}`);
  }
  const tok = tokens[k];
  if (tok?.kind === 'DURATION' && tryParseDuration(tok.val) === undefined) {
    return parseError(input, { start: tok.from, end: tok.from + tok.val.length }, `not a valid duration string: ${JSON.stringify(tok.val)}`);
  }
  return unexpectedToken(input, tokens, k);
}

/** Prometheus's `unexpected(context, expected)` for the token at `k` (end of input past the last token). */
function unexpectedToken(input: string, tokens: Token[], k: number): PromqlError {
  const tok: Token = tokens[k] ?? { kind: 'EOF', from: input.length, val: '', inBraces: false };
  const ctx = errorContext(tokens, k);
  const msg = `unexpected ${describe(tok)}${ctx ? ` in ${ctx[0]}, expected ${ctx[1]}` : ''}`;
  return parseError(input, { start: tok.from, end: tok.from + Math.max(tok.val.length, 1) }, msg);
}

const GROUPING_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring']);
const isLabelToken = (t: Token | undefined) => t !== undefined && (t.kind === 'IDENTIFIER' || t.kind === 'KEYWORD' || t.kind === 'AGGREGATOR' || (t.kind === 'OPERATOR' && /^[a-z]/i.test(t.val)) || t.kind === 'STRING');

/** The grammar rule an error falls in, as the error productions of Prometheus's grammar name it. */
function errorContext(tokens: Token[], k: number): [string, string] | undefined {
  const tok = tokens[k];
  const prev = tokens[k - 1];
  if (!prev) return undefined;
  if (tok?.inBraces || (prev.inBraces && prev.val !== '}')) {
    const before = tokens[k - 2];
    if (prev.val === '{' || prev.val === ',') return ['label matching', 'identifier or "}"'];
    if (prev.kind === 'OPERATOR') return ['label matching', 'string'];
    if (prev.kind === 'IDENTIFIER') return ['label matching', 'label matching operator'];
    if (prev.kind === 'STRING' && before?.kind === 'OPERATOR') return ['label matching', '"," or "}"'];
    return undefined;
  }
  const low = prev.val.toLowerCase();
  if (prev.kind === 'KEYWORD' && low === 'offset') return ['offset', 'duration'];
  if (prev.kind === 'OPERATOR' && low === '@') return ['@', 'timestamp'];
  if (prev.kind === 'KEYWORD' && GROUPING_KEYWORDS.has(low)) return ['grouping opts', '"("'];
  // Inside the label list of a grouping: `by (a, b)`.
  let i = k - 1;
  while (i >= 0 && (isLabelToken(tokens[i]) || tokens[i].val === ',')) i--;
  const open = tokens[i];
  const kw = tokens[i - 1];
  if (open?.val === '(' && kw?.kind === 'KEYWORD' && (GROUPING_KEYWORDS.has(kw.val.toLowerCase()) || /^group_(left|right)$/i.test(kw.val))) {
    return isLabelToken(prev) ? ['grouping opts', '"," or ")"'] : ['grouping opts', 'label'];
  }
  return undefined;
}

/**
 * The part of `input` the grammar needs to see: text after a lexer error is never read (as in Prometheus, whose
 * lexer stops there); lezer's error recovery over it would only cost time.
 */
function grammarInput(input: string): string {
  const { error } = lex(input);
  return error ? input.slice(0, error.from) : input;
}

/** Prometheus duration text (`1h30m`, `5m`, `100ms`) -> ms, or undefined. */
export function parseDurationMs(s: string): number | undefined {
  return tryParseDuration(s);
}

/** A number literal as Prometheus's lexer reads it: float, hex, Inf/NaN, underscores, or a duration (in seconds). */
export function parseNumber(s: string): number {
  const low = s.toLowerCase();
  if (low === 'inf' || low === '+inf') return Infinity;
  if (low === '-inf') return -Infinity;
  if (low === 'nan' || low === '+nan' || low === '-nan') return NaN;
  const d = parseDurationMs(s);
  if (d !== undefined) return d / 1000;
  const clean = s.replace(/_/g, '');
  if (/^[+-]?0x[0-9a-f]+$/i.test(clean)) {
    const neg = clean.startsWith('-');
    const v = parseInt(clean.replace(/^[+-]/, ''), 16);
    return neg ? -v : v;
  }
  const v = Number(clean);
  return v;
}

/** A label name is valid in Prometheus 3 when it is non-empty valid UTF-8. */
export function isValidUtf8LabelName(s: string): boolean {
  return s.length > 0 && !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}


const AGG_OPS = new Set<string>(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);

const BIN_OPS: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gte: '>=',
  Gtr: '>',
  Lte: '<=',
  Lss: '<',
  And: 'and',
  Unless: 'unless',
  Or: 'or',
};

/**
 * The grammar knows `min_of`/`max_of` only inside durations; at expression level (scalar functions of the
 * duration-expression feature) lezer fails on them. Each failing occurrence is re-parsed as a same-length
 * function name and renamed back in the AST.
 */
function parseWithScalarMinMax(input: string): { text: string; tree: ReturnType<typeof lezer.parse>; renamed: Map<number, string> } {
  let text = outsideQuotes(input, (seg) =>
    seg
      .replace(/\b(step|range|min_of|max_of)(\s*\()/gi, (_all: string, fn: string, rest: string) => fn.toLowerCase() + rest)
      // Go's lexer reads `2.` as a number; lezer's grammar does not (same length, positions kept).
      .replace(/(^|[^\w.])(\d+)\.(?![\d\w.])/g, '$1$2 '),
  );
  const renamed = new Map<number, string>();
  // The trim operators `</` and `>/` (native histograms) are unknown to the grammar: parsed as `<=`/`>=` at the
  // same position and renamed back when the binary expression is built.
  let quote = '';
  for (let i = 0; i + 1 < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      continue;
    }
    if ((c === '<' || c === '>') && text[i + 1] === '/') {
      renamed.set(i, c + '/');
      text = text.slice(0, i + 1) + '=' + text.slice(i + 2);
    }
  }
  for (let attempt = 0; attempt < 16; attempt++) {
    const tree = parseBounded(lezer, text);
    let fixAt = -1;
    tree.topNode.cursor().iterate((n) => {
      if (fixAt >= 0) return false;
      if (!n.type.isError) return true;
      const prev = n.node.prevSibling;
      if (prev && (prev.name === 'Identifier' || prev.name === 'VectorSelector') && /^(min|max)_of$/.test(text.slice(prev.from, prev.to))) fixAt = prev.from;
      else fixAt = -2;
      return false;
    });
    if (fixAt < 0) return { text, tree, renamed };
    renamed.set(fixAt, text.slice(fixAt, fixAt + 6));
    text = text.slice(0, fixAt) + 'minute' + text.slice(fixAt + 6);
  }
  return { text, tree: parseBounded(lezer, text), renamed };
}

/** Apply `fn` to the parts of `input` outside string literals (lengths must be kept). */
function outsideQuotes(input: string, fn: (s: string) => string): string {
  let out = '';
  let seg = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '"' || c === "'" || c === '`') {
      out += fn(seg);
      seg = '';
      let j = i + 1;
      while (j < input.length && input[j] !== c) j += c !== '`' && input[j] === '\\' ? 2 : 1;
      out += input.slice(i, j + 1);
      i = j;
      continue;
    }
    seg += c;
  }
  return out + fn(seg);
}

class Converter {
  constructor(
    private readonly src: string,
    private readonly opts: ParseOptions,
    private readonly renamed: Map<number, string> = new Map(),
  ) {}

  private text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  private pos(n: SyntaxNode): PosRange {
    return { start: n.from, end: n.to };
  }

  fail(pos: PosRange, msg: string): never {
    throw parseError(this.src, pos, msg);
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral': {
        const t = this.text(n).replace(/\s+/g, '');
        return { kind: 'number', val: parseNumber(t), duration: parseDurationMs(t.replace(/^[+-]/, '')) !== undefined, pos: this.pos(n) };
      }
      case 'StringLiteral':
        return { kind: 'string', val: this.unquote(n), pos: this.pos(n) };
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(n.getChild('Expr') ?? n.firstChild!.nextSibling!), pos: this.pos(n) };
      case 'UnaryExpr': {
        const op = this.text(n.firstChild!) as '-' | '+';
        const inner = this.expr(n.lastChild!);
        return { kind: 'unary', op, expr: inner, pos: this.pos(n) };
      }
      case 'MatrixSelector': {
        const ch = this.children(n);
        const range = this.durationExpr(ch.find((c) => c.name === 'DurationExpr')!);
        return this.postfix(this.expr(ch[0]), n, (inner) => {
          if (inner.kind !== 'vector') this.fail(this.bracketPos(n), 'ranges only allowed for vector selectors');
          if (inner.offset || inner.at !== null || inner.atMod) this.fail(this.pos(n), 'no offset modifiers allowed before range');
          return { kind: 'matrix', vs: inner, range, pos: { start: inner.pos.start, end: n.to } };
        });
      }
      case 'SubqueryExpr': {
        const ch = this.children(n);
        const durs = ch.filter((c) => c.name === 'DurationExpr');
        const range = this.durationExpr(durs[0]);
        const step = durs[1] ? this.durationExpr(durs[1]) : null;
        return this.postfix(this.expr(ch[0]), n, (inner) => ({ kind: 'subquery', expr: inner, range, step, offset: null, at: null, atMod: null, pos: { start: inner.pos.start, end: n.to } }));
      }
      case 'OffsetExpr': {
        const ch = this.children(n);
        const off = this.durationExpr(ch.find((c) => c.name === 'OffsetDurationExpr')!);
        return this.postfix(this.expr(ch[0]), n, (inner) => {
        const target = inner.kind === 'matrix' ? inner.vs : inner;
        if (target.kind !== 'vector' && target.kind !== 'subquery') this.fail(this.pos(n), 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
        if (target.offset) this.fail(this.pos(n), 'offset may not be set multiple times');
        target.offset = off;
        inner.pos = { start: inner.pos.start, end: n.to };
        return inner;
        });
      }
      case 'StepInvariantExpr': {
        const ch = this.children(n);
        return this.postfix(this.expr(ch[0]), n, (inner) => {
        const target = inner.kind === 'matrix' ? inner.vs : inner;
        if (target.kind !== 'vector' && target.kind !== 'subquery') this.fail(this.pos(n), '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
        if (target.at !== null || target.atMod) this.fail(this.pos(n), '@ <timestamp> may not be set multiple times');
        const pre = n.getChild('AtModifierPreprocessors');
        if (pre) target.atMod = this.text(pre).toLowerCase() === 'start' ? 'start' : 'end';
        else {
          const lit = n.getChild('NumberDurationLiteral')!;
          const v = parseNumber(this.text(lit).replace(/\s+/g, ''));
          if (!Number.isFinite(v)) this.fail(this.pos(lit), `timestamp out of bounds for @ modifier: ${v}`);
          target.at = Math.round(v * 1000);
        }
        inner.pos = { start: inner.pos.start, end: n.to };
        return inner;
        });
      }
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'AnchoredExpr':
      case 'SmoothedExpr': {
        const which = n.name === 'AnchoredExpr' ? 'anchored' : 'smoothed';
        return this.postfix(this.expr(n.firstChild!), n, (inner) => {
          if (inner.kind === 'vector' && which === 'smoothed') {
            if (inner.smoothed) this.fail(this.pos(n), `${which} modifier may not be set multiple times`);
            inner.smoothed = true;
            inner.pos = { start: inner.pos.start, end: n.to };
            return inner;
          }
          if (inner.kind !== 'matrix') this.fail(this.pos(n), `${which} modifier must be preceded by a range vector selector`);
          if (inner.vs.anchored || inner.vs.smoothed) this.fail(this.pos(n), `${which} modifier may not be set multiple times`);
          if (which === 'anchored') inner.vs.anchored = true;
          else inner.vs.smoothed = true;
          inner.pos = { start: inner.pos.start, end: n.to };
          return inner;
        });
      }
      default:
        this.fail(this.pos(n), `unexpected ${JSON.stringify(this.text(n))}`);
    }
  }

  /** The `[` of a range (`sum(x)[5m]`), where Prometheus reports a range on a non-selector. */
  private bracketPos(n: SyntaxNode): PosRange {
    const dur = n.getChild('DurationExpr');
    const at = this.src.lastIndexOf('[', dur ? dur.from : n.to);
    return at >= n.from ? { start: at, end: n.to } : this.pos(n);
  }

  /** Lezer binds postfix modifiers (`[..]`, `offset`, `@`) loosely; Prometheus binds them to the rightmost operand. */
  private postfix(inner: Expr, n: SyntaxNode, apply: (e: Expr) => Expr): Expr {
    if (inner.kind === 'binary') {
      inner.rhs = this.postfix(inner.rhs, n, apply);
      inner.pos = { start: inner.pos.start, end: n.to };
      return inner;
    }
    if (inner.kind === 'unary') {
      inner.expr = this.postfix(inner.expr, n, apply);
      inner.pos = { start: inner.pos.start, end: n.to };
      return inner;
    }
    return apply(inner);
  }

  private unquote(n: SyntaxNode): string {
    const raw = this.text(n);
    if (raw.length < 2 || raw[raw.length - 1] !== raw[0]) this.fail(this.pos(n), 'unterminated quoted string');
    try {
      return unquoteGo(raw);
    } catch {
      this.fail(this.pos(n), `invalid syntax`);
    }
  }

  /** The matchers of a selector node, without the non-empty check (`parseMetricSelector`). */
  selectorMatchers(n: SyntaxNode): Matcher[] {
    return this.vectorSelector(n, true, true).matchers;
  }

  private vectorSelector(n: SyntaxNode, bypassEmptyCheck = false, selectorOnly = false): VectorSelector {
    const id = n.getChild('Identifier');
    const name = id ? this.text(id) : '';
    const matchers: Matcher[] = [];
    const lm = n.getChild('LabelMatchers');
    let nameMatcherSet = false;
    if (lm) {
      for (const c of this.children(lm)) {
        if (c.name === 'UnquotedLabelMatcher' || c.name === 'QuotedLabelMatcher') {
          const ln = c.firstChild!;
          const label = ln.name === 'LabelName' ? this.text(ln) : this.unquote(ln.firstChild ?? ln);
          const op = this.text(c.getChild('MatchOp')!) as MatchType;
          const val = this.unquote(c.getChild('StringLiteral', 'MatchOp') ?? c.lastChild!);
          if (label === METRIC_NAME) nameMatcherSet = true;
          if (label === METRIC_NAME && name !== '' && !selectorOnly) this.fail(this.pos(n), `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(val)}`);
          matchers.push(this.matcher(op, label, val, this.pos(c)));
        } else if (c.name === 'QuotedLabelName') {
          // A bare quoted string in braces is a metric name (UTF-8 syntax).
          const val = this.unquote(c.firstChild ?? c);
          if (name !== '' || nameMatcherSet) this.fail(this.pos(c), `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(val)}`);
          nameMatcherSet = true;
          matchers.push(this.matcher('=', METRIC_NAME, val, this.pos(c)));
        }
      }
    }
    let metric = name;
    if (name !== '') matchers.unshift(new Matcher('=', METRIC_NAME, name));
    else {
      const nm = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
      if (nm) metric = nm.value;
    }
    if (!bypassEmptyCheck && !matchers.some((m) => !m.matchesEmpty())) this.fail(this.pos(n), 'vector selector must contain at least one non-empty matcher');
    return { kind: 'vector', name: metric, matchers, offset: null, at: null, atMod: null, pos: this.pos(n) };
  }

  private matcher(op: MatchType, name: string, value: string, pos: PosRange): Matcher {
    try {
      if (op === '=~' || op === '!~') return new Matcher(op, name, value);
      return new Matcher(op, name, value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) this.fail(pos, e.message);
      throw e;
    }
  }

  private durationExpr(n: SyntaxNode): DurationExpr {
    const ch = this.children(n);
    switch (n.name) {
      case 'NumberDurationLiteralInDurationContext':
      case 'NumberDurationLiteral': {
        const t = this.text(n);
        const d = parseDurationMs(t);
        if (d !== undefined) return { kind: 'num', ms: d };
        const v = parseNumber(t);
        if (!Number.isFinite(v)) this.fail(this.pos(n), `invalid duration ${JSON.stringify(t)}`);
        return { kind: 'num', ms: Math.round(v * 1000) };
      }
      case 'DurationStep':
        return { kind: 'step' };
      case 'DurationRange':
        return { kind: 'range' };
      case 'DurationExpr':
      case 'OffsetDurationExpr': {
        const first = ch[0];
        if (ch.length === 1 && first.name !== 'DurationStep' && first.name !== 'DurationRange') return this.durationExpr(first);
        if (first.name === 'UnaryOp') return { kind: 'unary', op: this.text(first) as '-' | '+', expr: this.durationExpr(ch[1]) };
        if (first.name === 'DurationStep') return { kind: 'step' };
        if (first.name === 'DurationRange') return { kind: 'range' };
        if (first.name === 'DurationMinOf' || first.name === 'DurationMaxOf') {
          const args = ch.filter((c) => c.name === 'DurationExpr');
          return { kind: 'minmax', op: first.name === 'DurationMinOf' ? 'min_of' : 'max_of', lhs: this.durationExpr(args[0]), rhs: this.durationExpr(args[1]) };
        }
        if (this.text(first) === '(') return { kind: 'paren', expr: this.durationExpr(ch[1]) };
        if (ch.length === 3 && BIN_OPS[ch[1].name]) {
          return { kind: 'binary', op: BIN_OPS[ch[1].name] as '+', lhs: this.durationExpr(ch[0]), rhs: this.durationExpr(ch[2]) };
        }
        this.fail(this.pos(n), `unexpected ${JSON.stringify(this.text(n))} in duration`);
      }
      // falls through
      default:
        this.fail(this.pos(n), `unexpected ${JSON.stringify(this.text(n))} in duration`);
    }
  }

  private call(n: SyntaxNode): Expr {
    const idNode = n.getChild('FunctionIdentifier')!;
    const name = this.renamed.get(idNode.from) ?? this.text(idNode);
    const fn = FUNCTIONS.get(name);
    if (!fn) this.fail(this.pos(idNode), `unknown function with name ${JSON.stringify(name)}`);
    if (fn.experimental && this.opts.experimentalFunctions === false) this.fail(this.pos(idNode), `function ${JSON.stringify(name)} is not enabled`);
    const body = n.getChild('FunctionCallBody')!;
    const args = this.children(body)
      .filter((c) => c.name !== '(' && c.name !== ')' && c.name !== ',' && this.text(c) !== '(' && this.text(c) !== ')' && this.text(c) !== ',')
      .map((c, i) => {
        if (name === 'info' && i === 1) {
          // info()'s second argument is a label selector: no metric name, empty matchers allowed.
          if (c.name !== 'VectorSelector') this.fail(this.pos(c), 'expected label selectors only');
          if (c.getChild('Identifier')) this.fail(this.pos(c), 'expected label selectors only, got vector selector instead');
          return this.vectorSelector(c, true);
        }
        return this.expr(c);
      });
    return { kind: 'call', name, args, pos: this.pos(n) };
  }

  private grouping(n: SyntaxNode | null): string[] {
    if (!n) return [];
    const out: string[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'LabelName') out.push(this.text(c));
      else if (c.name === 'QuotedLabelName' || c.name === 'StringLiteral') out.push(this.unquote(c.firstChild ?? c));
    }
    return out;
  }

  private aggregate(n: SyntaxNode): Expr {
    const op = this.text(n.getChild('AggregateOp')!).toLowerCase() as AggregateOp;
    if (!AGG_OPS.has(op)) this.fail(this.pos(n), `unknown aggregation ${op}`);
    const mod = n.getChild('AggregateModifier');
    const without = !!mod?.getChild('Without');
    const grouping = this.grouping(mod?.getChild('GroupingLabels') ?? null);
    const body = n.getChild('FunctionCallBody')!;
    const args = this.children(body)
      .filter((c) => !['(', ')', ','].includes(this.text(c)))
      .map((c) => this.expr(c));
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values' || op === 'limitk' || op === 'limit_ratio';
    const want = needsParam ? 2 : 1;
    if (args.length !== want) this.fail(this.pos(n), `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    return {
      kind: 'aggregate',
      op,
      expr: args[args.length - 1],
      param: needsParam ? args[0] : null,
      grouping,
      without,
      hasGrouping: !!mod,
      pos: this.pos(n),
    };
  }

  private binary(n: SyntaxNode): Expr {
    const ch = this.children(n);
    const opNode = ch[1];
    const trim = this.renamed.get(opNode.from);
    const op = trim === '</' || trim === '>/' ? trim : BIN_OPS[opNode.name];
    if (!op) this.fail(this.pos(opNode), `unexpected ${JSON.stringify(this.text(opNode))}`);
    let lhsNode = ch[0];
    const rhsNode = ch[ch.length - 1];
    let bool = false;
    let matching: VectorMatching | null = null;
    let fill: { lhs?: number; rhs?: number } | undefined;
    for (const c of ch.slice(2, -1)) {
      if (c.name === 'BoolModifier') bool = true;
      else if (c.name === 'MatchingModifierClause') {
        const on = !!c.getChild('On');
        const groups = c.getChildren('GroupingLabels');
        const gl = !!c.getChild('GroupLeft');
        const gr = !!c.getChild('GroupRight');
        matching = {
          card: gl ? 'many-to-one' : gr ? 'one-to-many' : 'one-to-one',
          on,
          labels: this.grouping(groups[0] ?? null),
          include: this.grouping(groups[1] ?? null),
          explicit: true,
        };
      } else if (c.name === 'FillModifier') {
        fill = {};
        for (const fc of this.children(c)) {
          const lit = fc.getChild('NumberDurationLiteral');
          const v = lit ? parseNumber(this.text(lit).replace(/\s+/g, '')) : NaN;
          if (fc.name === 'FillClause') fill.lhs = fill.rhs = v;
          else if (fc.name === 'FillLeftClause') fill.lhs = v;
          else if (fc.name === 'FillRightClause') fill.rhs = v;
        }
      }
    }
    // Prometheus binds a unary minus looser than `^`: `-2 ^ 2` is `-(2 ^ 2)`.
    if (op === '^' && lhsNode.name === 'NumberDurationLiteral' && /^\s*[-+]/.test(this.text(lhsNode))) {
      const t = this.text(lhsNode).trim();
      const inner: Expr = { kind: 'number', val: parseNumber(t.slice(1).trim()), duration: false, pos: { start: lhsNode.from + 1, end: lhsNode.to } };
      const pow: Expr = { kind: 'binary', op: '^', lhs: inner, rhs: this.expr(rhsNode), bool: false, matching: null, pos: { start: lhsNode.from + 1, end: n.to } };
      return { kind: 'unary', op: t[0] as '-' | '+', expr: pow, pos: this.pos(n) };
    }
    void lhsNode;
    lhsNode = ch[0];
    const lhs = this.expr(lhsNode);
    const rhs = this.expr(rhsNode);
    if (fill) {
      if (!matching) matching = { card: 'one-to-one', on: false, labels: [], include: [], explicit: false };
      matching.fill = fill;
    }
    return { kind: 'binary', op, lhs, rhs, bool, matching, pos: this.pos(n), opPos: this.pos(opNode) };
  }

  /** Prometheus's `checkAST`: the type rules. */
  check(e: Expr): ValueType {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'vector':
        return typeOf(e);
      case 'matrix':
        return 'matrix';
      case 'paren':
        return this.check(e.expr);
      case 'subquery': {
        const t = this.check(e.expr);
        if (t !== 'vector') this.fail(e.pos, `subquery is only allowed on instant vector, got ${typeName(t).replace('range vector', 'matrix')} instead`);
        return 'matrix';
      }
      case 'unary': {
        const t = this.check(e.expr);
        if (t !== 'scalar' && t !== 'vector') this.fail(e.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(typeName(t))}`);
        return t;
      }
      case 'call': {
        const fn = FUNCTIONS.get(e.name)!;
        const n = e.args.length;
        const min = fn.variadic === 0 ? fn.args.length : fn.args.length - (fn.variadic > 0 ? fn.variadic : 1);
        if (fn.variadic === 0) {
          if (n !== fn.args.length) this.fail(e.pos, `expected ${fn.args.length} argument(s) in call to ${JSON.stringify(e.name)}, got ${n}`);
        } else {
          const minArgs = fn.variadic > 0 ? fn.args.length - fn.variadic : fn.args.length - 1;
          if (n < minArgs) this.fail(e.pos, `expected at least ${minArgs} argument(s) in call to ${JSON.stringify(e.name)}, got ${n}`);
          if (fn.variadic > 0 && n > fn.args.length) this.fail(e.pos, `expected at most ${fn.args.length} argument(s) in call to ${JSON.stringify(e.name)}, got ${n}`);
        }
        void min;
        e.args.forEach((a, i) => {
          const want = i < fn.args.length ? fn.args[i] : fn.args[fn.args.length - 1];
          const got = this.check(a);
          if (got !== want) this.fail(a.pos, `expected type ${typeName(want)} in call to function ${JSON.stringify(e.name)}, got ${typeName(got)}`);
        });
        if (e.name === 'label_replace' || e.name === 'label_join') {
          const dst = e.args[1];
          if (dst.kind === 'string' && !isValidLabelNameUtf8(dst.val)) this.fail(dst.pos, `invalid destination label name in ${e.name}(): ${dst.val}`);
        }
        return fn.returns;
      }
      case 'aggregate': {
        const t = this.check(e.expr);
        if (t !== 'vector') this.fail(e.expr.pos, `expected type instant vector in aggregation expression, got ${typeName(t)}`);
        if (e.param) {
          const pt = this.check(e.param);
          if (e.op === 'count_values') {
            if (pt !== 'string') this.fail(e.param.pos, `expected type string in aggregation parameter, got ${typeName(pt)}`);
          } else if (pt !== 'scalar') this.fail(e.param.pos, `expected type scalar in aggregation parameter, got ${typeName(pt)}`);
        }
        return 'vector';
      }
      case 'binary': {
        const lt = this.check(e.lhs);
        const rt = this.check(e.rhs);
        const isCmp = COMPARISON_OPS.has(e.op);
        const isSet = SET_OPS.has(e.op);
        if (e.bool && !isCmp) this.fail(e.opPos ?? e.pos, 'bool modifier can only be used on comparison operators');
        if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) this.fail(e.pos, 'binary expression must contain only scalar and instant vector types');
        if (isCmp && !e.bool && lt === 'scalar' && rt === 'scalar') this.fail(e.opPos ?? e.pos, 'comparisons between scalars must use BOOL modifier');
        if ((lt !== 'vector' || rt !== 'vector') && e.matching && (e.matching.labels.length > 0 || e.matching.on)) {
          this.fail(e.pos, 'vector matching only allowed between instant vectors');
        }
        if (isSet) {
          if (lt === 'scalar' || rt === 'scalar') this.fail(e.pos, `set operator ${JSON.stringify(e.op)} not allowed in binary scalar expression`);
          if (e.matching && (e.matching.card === 'one-to-many' || e.matching.card === 'many-to-one')) this.fail(e.pos, `no grouping allowed for ${JSON.stringify(e.op)} operation`);
          if (!e.matching) e.matching = { card: 'many-to-many', on: false, labels: [], include: [], explicit: false };
          else e.matching.card = 'many-to-many';
        }
        if (e.matching && e.matching.on) {
          for (const l of e.matching.include) {
            if (e.matching.labels.includes(l)) this.fail(e.opPos ?? e.pos, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
          }
        }
        if (lt === 'vector' && rt === 'vector' && !e.matching) e.matching = { card: 'one-to-one', on: false, labels: [], include: [], explicit: false };
        return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
      }
    }
  }
}

function isValidLabelNameUtf8(s: string): boolean {
  return isValidUtf8LabelName(s);
}
