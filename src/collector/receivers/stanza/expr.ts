import { compileUnanchored, type Regex } from '../../../lib/regex/index.js';
import { getField, isMap, type Field, type StanzaEntry } from './entry.js';

/**
 * The subset of the expr language (github.com/expr-lang/expr) that stanza's `expr`, `is_first_entry` and
 * `is_last_entry` use: entry paths (`body`, `body.x`, `attributes["k.x"]`, `resource.k`), string/number/bool/nil
 * literals, `== != < <= > >=`, `matches`, `contains`, `startsWith`, `endsWith`, `in [..]`, `and`/`&&`, `or`/`||`,
 * `not`/`!`, parentheses. Parsed by recursive descent; a syntax error names its column.
 */
export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly column: number,
  ) {
    super(`${message} (1:${column})\n | ${source}\n | ${' '.repeat(column - 1)}^`);
  }
}

type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'path'; f: Field }
  | { k: 'list'; items: Node[] }
  | { k: 'not'; x: Node }
  | { k: 'bin'; op: string; l: Node; r: Node; re?: Regex };

interface Token {
  t: 'str' | 'num' | 'id' | 'op' | 'eof';
  v: string;
  pos: number;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i++;
      let s = '';
      for (;;) {
        if (i >= src.length) throw new ExprSyntaxError('unterminated string', src, start + 1);
        const ch = src[i++];
        if (ch === c) break;
        if (ch === '\\') {
          const e = src[i++];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else s += ch;
      }
      out.push({ t: 'str', v: s, pos: start });
      continue;
    }
    const num = /^\d+(?:\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprSyntaxError(`unexpected character ${JSON.stringify(c)}`, src, i + 1);
    out.push({ t: 'op', v: op, pos: i });
    i += op.length;
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=', 'matches', 'contains', 'startsWith', 'endsWith', 'in']);

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  private peek(): Token {
    return this.toks[this.i];
  }
  private fail(msg: string, tok = this.peek()): never {
    throw new ExprSyntaxError(msg, this.src, tok.pos + 1);
  }
  private describe(t: Token): string {
    return t.t === 'eof' ? 'end of expression' : JSON.stringify(t.v);
  }
  private isWord(...w: string[]): boolean {
    const t = this.peek();
    return (t.t === 'id' || t.t === 'op') && w.includes(t.v);
  }
  private expect(v: string): void {
    if (this.peek().v !== v || this.peek().t === 'str') this.fail(`expected ${JSON.stringify(v)}, found ${this.describe(this.peek())}`);
    this.i++;
  }

  parse(): Node {
    const n = this.or();
    if (this.peek().t !== 'eof') this.fail(`unexpected token ${this.describe(this.peek())}`);
    return n;
  }
  private or(): Node {
    let l = this.and();
    while (this.isWord('or', '||')) {
      this.i++;
      l = { k: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.not();
    while (this.isWord('and', '&&')) {
      this.i++;
      l = { k: 'bin', op: 'and', l, r: this.not() };
    }
    return l;
  }
  private not(): Node {
    if (this.isWord('not', '!')) {
      this.i++;
      return { k: 'not', x: this.not() };
    }
    return this.comparison();
  }
  private comparison(): Node {
    const l = this.primary();
    const t = this.peek();
    if ((t.t === 'op' || t.t === 'id') && COMPARE.has(t.v)) {
      this.i++;
      const rt = this.peek();
      const r = this.primary();
      const n: Node = { k: 'bin', op: t.v, l, r };
      if (t.v === 'matches' && r.k === 'lit') {
        if (typeof r.v !== 'string') this.fail('matches needs a string pattern', rt);
        try {
          n.re = compileUnanchored(r.v);
        } catch (e) {
          this.fail(`invalid regular expression: ${(e as Error).message}`, rt);
        }
      }
      return n;
    }
    return l;
  }
  private primary(): Node {
    const t = this.peek();
    if (t.t === 'str') {
      this.i++;
      return { k: 'lit', v: t.v };
    }
    if (t.t === 'num') {
      this.i++;
      return { k: 'lit', v: Number(t.v) };
    }
    if (t.t === 'op' && t.v === '(') {
      this.i++;
      const n = this.or();
      this.expect(')');
      return n;
    }
    if (t.t === 'op' && t.v === '[') {
      this.i++;
      const items: Node[] = [];
      while (!(this.peek().t === 'op' && this.peek().v === ']')) {
        items.push(this.primary());
        if (this.peek().t === 'op' && this.peek().v === ',') this.i++;
        else break;
      }
      this.expect(']');
      return { k: 'list', items };
    }
    if (t.t === 'id') {
      this.i++;
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'nil') return { k: 'lit', v: undefined };
      if (t.v !== 'body' && t.v !== 'attributes' && t.v !== 'resource') this.fail(`unknown name ${JSON.stringify(t.v)} (body, attributes, resource)`, t);
      const path: string[] = [];
      for (;;) {
        const p = this.peek();
        if (p.t === 'op' && p.v === '.') {
          this.i++;
          const k = this.peek();
          if (k.t !== 'id') this.fail(`expected a key after ".", found ${this.describe(k)}`);
          this.i++;
          path.push(k.v);
        } else if (p.t === 'op' && p.v === '[') {
          this.i++;
          const k = this.peek();
          if (k.t !== 'str') this.fail(`expected a quoted key, found ${this.describe(k)}`);
          this.i++;
          path.push(k.v);
          this.expect(']');
        } else break;
      }
      return { k: 'path', f: { root: t.v, path } };
    }
    return this.fail(`unexpected ${this.describe(t)}`);
  }
}

function evaluate(n: Node, e: StanzaEntry): unknown {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'path':
      return getField(e, n.f);
    case 'list':
      return n.items.map((x) => evaluate(x, e));
    case 'not':
      return !truthy(evaluate(n.x, e));
    case 'bin': {
      if (n.op === 'and') return truthy(evaluate(n.l, e)) && truthy(evaluate(n.r, e));
      if (n.op === 'or') return truthy(evaluate(n.l, e)) || truthy(evaluate(n.r, e));
      const l = evaluate(n.l, e);
      const r = evaluate(n.r, e);
      switch (n.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case '<':
        case '<=':
        case '>':
        case '>=': {
          if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) return false;
          return n.op === '<' ? l < r : n.op === '<=' ? l <= r : n.op === '>' ? l > r : l >= r;
        }
        case 'matches': {
          if (typeof l !== 'string') return false;
          const re = n.re ?? (typeof r === 'string' ? compileUnanchored(r) : undefined);
          return re ? re.test(l) : false;
        }
        case 'contains':
          return typeof l === 'string' && typeof r === 'string' && l.includes(r);
        case 'startsWith':
          return typeof l === 'string' && typeof r === 'string' && l.startsWith(r);
        case 'endsWith':
          return typeof l === 'string' && typeof r === 'string' && l.endsWith(r);
        case 'in':
          return Array.isArray(r) ? r.some((x) => equal(l, x)) : isMap(r) && typeof l === 'string' && l in r;
        default:
          return false;
      }
    }
  }
}

const truthy = (v: unknown): boolean => v === true;
const equal = (a: unknown, b: unknown): boolean => (a === undefined || a === null ? b === undefined || b === null : a === b);

/** A compiled boolean expression over a stanza entry. */
export type EntryPredicate = (e: StanzaEntry) => boolean;

export function compileExpr(src: string): EntryPredicate {
  const ast = new Parser(src, tokenize(src)).parse();
  return (e) => truthy(evaluate(ast, e));
}
