import type { CallExpr, CompareOp, Condition, PathExpr, Statement, Value } from './ast.js';

/** An OTTL statement or condition that does not parse; the message names the position (line:column, 1-based). */
export class OttlSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly pos: number,
    readonly reason: string,
  ) {
    super(`1:${pos + 1}: ${reason}`);
    this.name = 'OttlSyntaxError';
  }

  /** The Collector's wording: `unable to parse OTTL statement "...": statement has invalid syntax: 1:5: ...`. */
  describe(kind: 'statement' | 'condition'): string {
    return `unable to parse OTTL ${kind} ${JSON.stringify(this.source)}: ${kind} has invalid syntax: ${this.message}`;
  }
}

type Tok = { t: 'ident' | 'string' | 'number' | 'op' | 'punct' | 'eof'; v: string; pos: number };

const ENUMS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
  METRIC_DATA_TYPE_NONE: 0,
  METRIC_DATA_TYPE_GAUGE: 1,
  METRIC_DATA_TYPE_SUM: 2,
  METRIC_DATA_TYPE_HISTOGRAM: 3,
  METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM: 4,
  METRIC_DATA_TYPE_SUMMARY: 5,
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
  ...Object.fromEntries(
    ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'].map((n, i) => [`SEVERITY_NUMBER_${n}`, i]),
  ),
};

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const fail = (pos: number, why: string): never => {
    throw new OttlSyntaxError(src, pos, why);
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) fail(start, 'unterminated string');
        const ch = src[i++];
        if (ch === '"') break;
        if (ch === '\\') {
          const e = src[i++];
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else v += ch;
      }
      out.push({ t: 'string', v, pos: start });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? '') && (out.length === 0 || ['op', 'punct'].includes(out[out.length - 1].t) && out[out.length - 1].v !== ')' && out[out.length - 1].v !== ']'))) {
      i++;
      while (i < src.length && /[0-9._eE]/.test(src[i])) i++;
      out.push({ t: 'number', v: src.slice(start, i), pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      out.push({ t: 'ident', v: src.slice(start, i), pos: start });
    } else if ('=!<>'.includes(c)) {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two, pos: start });
        i += 2;
      } else if (c === '<' || c === '>') {
        out.push({ t: 'op', v: c, pos: start });
        i++;
      } else fail(start, `unexpected character ${JSON.stringify(c)}`);
    } else if ('()[],.+-*/'.includes(c)) {
      out.push({ t: 'punct', v: c, pos: start });
      i++;
    } else fail(start, `unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
  ) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }
  private fail(tok: Tok, why: string): never {
    throw new OttlSyntaxError(this.src, tok.pos, why);
  }
  private expect(v: string): Tok {
    const t = this.next();
    if (t.v !== v || t.t === 'string') this.fail(t, `expected ${JSON.stringify(v)}, got ${t.t === 'eof' ? 'end of input' : JSON.stringify(t.v)}`);
    return t;
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t.t === 'ident' && t.v === w;
  }

  end(): void {
    const t = this.peek();
    if (t.t !== 'eof') this.fail(t, `unexpected ${JSON.stringify(t.v)}`);
  }

  statement(): Statement {
    const t = this.peek();
    if (t.t !== 'ident' || !/^[a-z]/.test(t.v)) this.fail(t, 'a statement starts with an editor such as set(...)');
    const v = this.value();
    if (v.kind !== 'call') this.fail(t, `expected an editor call, got ${JSON.stringify(t.v)}`);
    let where: Condition | undefined;
    if (this.isWord('where')) {
      this.next();
      where = this.condition();
    }
    this.end();
    return { editor: v as CallExpr, where };
  }

  condition(): Condition {
    let left = this.andExpr();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'or', left, right: this.andExpr() };
    }
    return left;
  }
  private andExpr(): Condition {
    let left = this.notExpr();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'and', left, right: this.notExpr() };
    }
    return left;
  }
  private notExpr(): Condition {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', operand: this.notExpr() };
    }
    return this.comparison();
  }
  private comparison(): Condition {
    const t = this.peek();
    if (t.t === 'punct' && t.v === '(') {
      // A parenthesised condition (a value never starts with "(").
      this.next();
      const c = this.condition();
      this.expect(')');
      return c;
    }
    const left = this.value();
    const op = this.peek();
    if (op.t === 'op') {
      this.next();
      return { kind: 'compare', op: op.v as CompareOp, left, right: this.value() };
    }
    return { kind: 'value', value: left };
  }

  value(): Value {
    let left = this.term();
    for (;;) {
      const t = this.peek();
      if (t.t === 'punct' && (t.v === '+' || t.v === '-')) {
        this.next();
        left = { kind: 'math', op: t.v, left, right: this.term(), pos: t.pos };
      } else return left;
    }
  }
  private term(): Value {
    let left = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.t === 'punct' && (t.v === '*' || t.v === '/')) {
        this.next();
        left = { kind: 'math', op: t.v, left, right: this.primary(), pos: t.pos };
      } else return left;
    }
  }
  private keys(): (string | number)[] {
    const keys: (string | number)[] = [];
    while (this.peek().t === 'punct' && this.peek().v === '[') {
      this.next();
      const k = this.next();
      if (k.t === 'string') keys.push(k.v);
      else if (k.t === 'number' && /^\d+$/.test(k.v)) keys.push(Number(k.v));
      else this.fail(k, 'a key must be a string or an integer');
      this.expect(']');
    }
    return keys;
  }
  private primary(): Value {
    const t = this.next();
    switch (t.t) {
      case 'string':
        return { kind: 'literal', value: t.v, pos: t.pos };
      case 'number': {
        const n = Number(t.v);
        if (!Number.isFinite(n)) this.fail(t, `invalid number ${t.v}`);
        return { kind: 'literal', value: n, pos: t.pos };
      }
      case 'punct':
        if (t.v === '[') {
          const items: Value[] = [];
          if (!(this.peek().t === 'punct' && this.peek().v === ']')) {
            items.push(this.value());
            while (this.peek().v === ',' && this.peek().t === 'punct') {
              this.next();
              items.push(this.value());
            }
          }
          this.expect(']');
          return { kind: 'list', items, pos: t.pos };
        }
        return this.fail(t, `unexpected ${JSON.stringify(t.v)}`);
      case 'ident': {
        if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true', pos: t.pos };
        if (t.v === 'nil') return { kind: 'literal', value: null, pos: t.pos };
        if (this.peek().t === 'punct' && this.peek().v === '(') {
          this.next();
          const args: Value[] = [];
          if (!(this.peek().t === 'punct' && this.peek().v === ')')) {
            args.push(this.value());
            while (this.peek().t === 'punct' && this.peek().v === ',') {
              this.next();
              args.push(this.value());
            }
          }
          this.expect(')');
          return { kind: 'call', name: t.v, args, keys: this.keys(), pos: t.pos };
        }
        if (/^[A-Z][A-Z0-9_]*$/.test(t.v)) {
          const v = ENUMS[t.v];
          if (v === undefined) this.fail(t, `unknown enum ${t.v}`);
          return { kind: 'enum', name: t.v, value: v, pos: t.pos };
        }
        const parts = [t.v];
        while (this.peek().t === 'punct' && this.peek().v === '.') {
          this.next();
          const p = this.next();
          if (p.t !== 'ident') this.fail(p, 'expected a field name after "."');
          parts.push(p.v);
        }
        const path: PathExpr = { kind: 'path', parts, keys: this.keys(), pos: t.pos };
        return path;
      }
      default:
        return this.fail(t, t.t === 'eof' ? 'unexpected end of input' : `unexpected ${JSON.stringify(t.v)}`);
    }
  }
}

export function parseStatement(src: string): Statement {
  return new Parser(src, lex(src)).statement();
}

export function parseCondition(src: string): Condition {
  const p = new Parser(src, lex(src));
  const c = p.condition();
  p.end();
  return c;
}
