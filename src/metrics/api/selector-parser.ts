import { METRIC_NAME, Matcher, type MatchType } from '../../model/index.js';

/**
 * A parser for series selectors (`match[]`), as Prometheus's `ParseMetricSelector`: `name`, `name{matchers}`,
 * `{matchers}`, with Prometheus 3's quoted (UTF-8) names (`{"my.metric", "a.b"="c"}`), the three string quotings
 * and Go's escapes. Errors are `SelectorParseError`s with Prometheus's text: `1:5: parse error: unexpected end of
 * input inside braces`.
 */
export class SelectorParseError extends Error {
  constructor(
    readonly position: number,
    reason: string,
    input: string,
  ) {
    super(`${lineCol(input, position)}: parse error: ${reason}`);
    this.name = 'SelectorParseError';
  }
}

function lineCol(input: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < input.length; i++) {
    if (input[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${pos - lineStart + 1}`;
}

const IDENT_START = /[a-zA-Z_:]/;
const IDENT_PART = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_PART = /[a-zA-Z0-9_]/;
const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'start', 'end']);
const SET_OPS = new Set(['and', 'or', 'unless', 'atan2']);

/** Go's `%q` for a rune. */
function quoteRune(c: string): string {
  const esc: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', "'": "\\'", '\\': '\\\\' };
  return `'${esc[c] ?? c}'`;
}

/** Go's `%q` of a token's text, cut to 10 characters like Prometheus's `Item.String` (`%.10q...`). */
function quoteToken(s: string): string {
  return s.length > 10 ? `${JSON.stringify([...s].slice(0, 10).join(''))}...` : JSON.stringify(s);
}

class Lexer {
  pos = 0;
  constructor(readonly input: string) {}

  error(pos: number, reason: string): never {
    throw new SelectorParseError(pos, reason, this.input);
  }

  skipSpace(): void {
    while (this.pos < this.input.length && /\s/.test(this.input[this.pos])) this.pos++;
  }

  peek(): string {
    return this.input[this.pos] ?? '';
  }

  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  /** A quoted string at the current position (the opening quote); returns the unescaped value. */
  readString(): string {
    const start = this.pos;
    const q = this.input[this.pos++];
    let out = '';
    if (q === '`') {
      const end = this.input.indexOf('`', this.pos);
      if (end < 0) this.error(start, 'unterminated raw string');
      out = this.input.slice(this.pos, end);
      this.pos = end + 1;
      return out;
    }
    while (true) {
      if (this.pos >= this.input.length || this.input[this.pos] === '\n') this.error(start, 'unterminated quoted string');
      const c = this.input[this.pos++];
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      if (this.pos >= this.input.length) this.error(start, 'escape sequence not terminated');
      const e = this.input[this.pos++];
      switch (e) {
        case 'a':
          out += '\x07';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
          out += '\\';
          break;
        case 'x':
        case 'u':
        case 'U': {
          const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = this.input.slice(this.pos, this.pos + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) this.error(start, 'escape sequence not terminated');
          this.pos += n;
          const cp = parseInt(hex, 16);
          if (e === 'x') out += String.fromCharCode(cp);
          else if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) this.error(start, 'escape sequence is an invalid Unicode code point');
          else out += String.fromCodePoint(cp);
          break;
        }
        default:
          if (e === q) {
            out += e;
          } else if (e >= '0' && e <= '7') {
            const oct = this.input.slice(this.pos - 1, this.pos + 2);
            if (!/^[0-7]{3}$/.test(oct)) this.error(start, 'escape sequence not terminated');
            this.pos += 2;
            out += String.fromCharCode(parseInt(oct, 8));
          } else {
            const cp = e.codePointAt(0)!;
            this.error(start, `unknown escape sequence U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${quoteRune(e)}`);
          }
      }
    }
  }

  readIdent(part: RegExp): string {
    const start = this.pos;
    while (this.pos < this.input.length && part.test(this.input[this.pos])) this.pos++;
    return this.input.slice(start, this.pos);
  }

  /** Prometheus's description of the token at the current position outside braces (for "unexpected ..."). */
  describeOutside(): string {
    const c = this.peek();
    if (c === '') return 'end of input';
    if (IDENT_START.test(c)) {
      const id = this.readIdent(IDENT_PART);
      if (KEYWORDS.has(id.toLowerCase())) return `<${id}>`;
      if (SET_OPS.has(id.toLowerCase())) return `<op:${id}>`;
      return `identifier ${JSON.stringify(id)}`;
    }
    if (/[0-9.]/.test(c)) return `number ${quoteToken(this.readIdent(/[0-9a-zA-Z._+-]/))}`;
    if (c === '"' || c === "'" || c === '`') {
      const start = this.pos;
      this.readString();
      return `string ${quoteToken(this.input.slice(start, this.pos))}`;
    }
    if (c === '}') this.error(this.pos, `unexpected character: ${quoteRune(c)}`);
    if (c === ')') this.error(this.pos, `unexpected right parenthesis ${quoteRune(c)}`);
    if (c === ']') this.error(this.pos, `unexpected right bracket ${quoteRune(c)}`);
    if ('{[(,'.includes(c)) return JSON.stringify(c);
    if ('+-*/%^=!<>@'.includes(c)) return `<op:${c}>`;
    this.error(this.pos, `unexpected character: ${quoteRune(c)}`);
  }

  /** Description of the token at the current position inside braces; lexer errors throw. */
  describeInside(): string {
    const c = this.peek();
    if (c === '') this.error(this.pos, 'unexpected end of input inside braces');
    if (LABEL_START.test(c)) return `identifier ${JSON.stringify(this.readIdent(LABEL_PART))}`;
    if (c === '"' || c === "'" || c === '`') {
      const start = this.pos;
      this.readString();
      return `string ${quoteToken(this.input.slice(start, this.pos))}`;
    }
    if (c === ',' || c === '}') return JSON.stringify(c);
    if (c === '{') this.error(this.pos, `unexpected left brace ${quoteRune(c)}`);
    if (c === '=' || c === '!') return `<op:${c}>`;
    this.error(this.pos, `unexpected character inside braces: ${quoteRune(c)}`);
  }
}

function isQuote(c: string): boolean {
  return c === '"' || c === "'" || c === '`';
}

/** Parse one series selector into matchers. */
export function parseMetricSelector(input: string): Matcher[] {
  const lx = new Lexer(input);
  const matchers: Matcher[] = [];
  lx.skipSpace();
  if (lx.atEnd()) lx.error(lx.pos, 'unexpected end of input');
  const c = lx.peek();
  if (IDENT_START.test(c)) {
    const name = lx.readIdent(IDENT_PART);
    matchers.push(new Matcher('=', METRIC_NAME, name));
    lx.skipSpace();
    if (lx.peek() === '{') parseBraces(lx, matchers);
  } else if (c === '{') {
    parseBraces(lx, matchers);
  } else {
    const at = lx.pos;
    lx.error(at, `unexpected ${lx.describeOutside()}`);
  }
  lx.skipSpace();
  if (!lx.atEnd()) {
    const at = lx.pos;
    lx.error(at, `unexpected ${lx.describeOutside()}`);
  }
  return matchers;
}

function parseBraces(lx: Lexer, out: Matcher[]): void {
  lx.pos++; // '{'
  while (true) {
    lx.skipSpace();
    const c = lx.peek();
    if (c === '}') {
      lx.pos++;
      return;
    }
    const at = lx.pos;
    let name: string | undefined;
    let quotedName = false;
    if (c !== '' && LABEL_START.test(c)) name = lx.readIdent(LABEL_PART);
    else if (isQuote(c)) {
      name = lx.readString();
      quotedName = true;
    } else {
      const d = lx.describeInside();
      lx.error(at, `unexpected ${d} in label matching, expected identifier or "}"`);
    }
    lx.skipSpace();
    const opAt = lx.pos;
    const op = readMatchOp(lx);
    if (op === undefined) {
      const next = lx.peek();
      if (quotedName && (next === ',' || next === '}')) {
        out.push(new Matcher('=', METRIC_NAME, name));
      } else {
        lx.pos = opAt;
        const d = lx.describeInside();
        lx.error(opAt, `unexpected ${d} in label matching, expected label matching operator`);
      }
    } else {
      lx.skipSpace();
      const vAt = lx.pos;
      if (!isQuote(lx.peek())) {
        const d = lx.describeInside();
        lx.error(vAt, `unexpected ${d} in label matching, expected string`);
      }
      const value = lx.readString();
      try {
        out.push(new Matcher(op, name, value));
      } catch (e) {
        lx.error(at, (e as Error).message);
      }
    }
    lx.skipSpace();
    const sep = lx.peek();
    if (sep === ',') {
      lx.pos++;
      continue;
    }
    if (sep === '}') {
      lx.pos++;
      return;
    }
    const sAt = lx.pos;
    const d = lx.describeInside();
    lx.error(sAt, `unexpected ${d} in label matching, expected "," or "}"`);
  }
}

function readMatchOp(lx: Lexer): MatchType | undefined {
  const c = lx.peek();
  const n = lx.input[lx.pos + 1] ?? '';
  if (c === '=') {
    if (n === '~') {
      lx.pos += 2;
      return '=~';
    }
    lx.pos++;
    return '=';
  }
  if (c === '!') {
    if (n === '=' || n === '~') {
      lx.pos += 2;
      return n === '=' ? '!=' : '!~';
    }
    lx.error(lx.pos, `unexpected character after '!' inside braces: ${quoteRune(n)}`);
  }
  return undefined;
}
