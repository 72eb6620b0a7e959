import { goQuote } from '../../lib/go-string.js';

/**
 * PromQL's token stream as Prometheus's lexer (`promql/parser/lex.go`) produces it. The grammar itself is lezer's
 * (see parser.ts); this lexer exists for what lezer cannot say: Prometheus's own error messages, which come
 * either from the lexer (`unexpected end of input inside braces`, `unclosed left parenthesis`, `unterminated
 * quoted string`, `bad number or duration syntax: "5"`, ...) or from the parser naming the token it did not
 * expect (`unexpected identifier "bar" in label matching, expected string`).
 */
export type TokenKind =
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'KEYWORD'
  | 'AGGREGATOR'
  | 'OPERATOR'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | 'PUNCT'
  | 'EOF';

export interface Token {
  kind: TokenKind;
  /** Offset of the token's first character. */
  from: number;
  /** The token's text. */
  val: string;
  /** Whether the token is inside `{...}`. */
  inBraces: boolean;
}

export interface LexError {
  /** Index in `tokens` the error takes the place of. */
  index: number;
  /** Where the token the error replaces starts (for comparing with the grammar's error position). */
  from: number;
  /** The position Prometheus reports (its lexer's `start` when it gave up). */
  pos: number;
  msg: string;
}

export interface Lexed {
  tokens: Token[];
  error?: LexError;
}

const KEYWORDS = new Set(['offset', 'smoothed', 'anchored', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'fill', 'fill_left', 'fill_right', 'bool', 'start', 'end', 'step', 'range']);
const AGGREGATORS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);
const WORD_OPERATORS = new Set(['and', 'or', 'unless', 'atan2']);

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlpha = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string) => isAlpha(c) || isDigit(c);

/** Go's `%q` of a rune. */
export function quoteRune(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const q = goQuote(c);
  return `'${q.slice(1, -1)}'`;
}

/** Go's `%#U`: `U+0071 'q'`. */
function unicodeRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

/** Prometheus's `Item.desc()`: how the parser names a token in "unexpected ...". */
export function describe(t: Token): string {
  switch (t.kind) {
    case 'EOF':
      return 'end of input';
    case 'KEYWORD':
      return `<${t.val}>`;
    case 'OPERATOR':
      return `<op:${t.val}>`;
    case 'AGGREGATOR':
      return `<aggr:${t.val}>`;
    case 'PUNCT':
      return goQuote(t.val);
    case 'IDENTIFIER':
      return `identifier ${goQuote(t.val)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${goQuote(t.val)}`;
    default: {
      const what = t.kind === 'NUMBER' ? 'number' : t.kind === 'DURATION' ? 'duration' : 'string';
      const chars = [...t.val];
      return `${what} ${chars.length > 10 ? `${goQuote(chars.slice(0, 10).join(''))}...` : goQuote(t.val)}`;
    }
  }
}

class Fail {
  constructor(
    readonly pos: number,
    readonly msg: string,
    /** The token just emitted is overwritten by the error (Go's lexer writes both into one item). */
    readonly replacesLast = false,
  ) {}
}

/** Tokenize `input` as Prometheus does (comments dropped), stopping at the first lexer error. */
export function lex(input: string): Lexed {
  const tokens: Token[] = [];
  let pos = 0;
  let parenDepth = 0;
  let braceOpen = false;
  let bracketOpen = false;
  let gotColon = false;
  let gotDuration = false;
  const peek = (k = 0) => input[pos + k] ?? '';
  const emit = (kind: TokenKind, from: number): void => {
    tokens.push({ kind, from, val: input.slice(from, pos), inBraces: braceOpen });
  };
  const fail = (start: number, msg: string): never => {
    throw new Fail(start, msg);
  };
  const failAfterEmit = (msg: string): never => {
    throw new Fail(pos, msg, true);
  };

  const scanNumber = (): boolean => {
    const initial = pos;
    let digits = '0123456789';
    if (peek() === '0' && (peek(1) === 'x' || peek(1) === 'X')) {
      pos += 2;
      if (peek() === '_') pos++;
      digits = '0123456789abcdefABCDEF';
    }
    const accept = (set: string) => {
      if (pos < input.length && set.includes(input[pos])) {
        pos++;
        return true;
      }
      return false;
    };
    accept('.');
    accept(digits);
    let dot = false;
    let exp = false;
    while (pos < input.length && (digits + '._eE').includes(input[pos])) {
      const c = input[pos];
      if (c === '.' && dot) return (accept('.'), false);
      if ((c === 'e' || c === 'E') && exp && digits.length === 10) return (accept('eE'), false);
      if (accept('.')) {
        dot = true;
        if (accept('_.') || digits.length > 10) return false;
        continue;
      }
      if (digits.length === 10 && accept('eE')) {
        exp = true;
        accept('+-');
        if (accept('._eE') || pos >= input.length) return false;
        continue;
      }
      if (accept('_')) {
        if (accept('._eE') || pos >= input.length) return false;
        continue;
      }
      while (accept(digits));
    }
    if (pos === initial) return false;
    return !isAlnum(peek());
  };

  const acceptRemainingDuration = (): boolean => {
    const accept = (set: string) => (pos < input.length && set.includes(input[pos]) ? (pos++, true) : false);
    if (!accept('smhdwy')) return false;
    accept('s');
    while (accept('0123456789')) {
      while (accept('0123456789'));
      if (!accept('smhdw')) return false;
      accept('s');
    }
    const next = peek();
    pos++;
    return !isAlnum(next);
  };

  const numberOrDuration = (start: number): void => {
    if (scanNumber()) return emit('NUMBER', start);
    if (acceptRemainingDuration()) {
      pos--;
      return emit('DURATION', start);
    }
    fail(start, `bad number or duration syntax: ${goQuote(input.slice(start, Math.min(pos, input.length)))}`);
  };

  const scanDurationKeyword = (start: number): boolean => {
    while (isAlpha(peek())) pos++;
    const kw = input.slice(start, pos).toLowerCase();
    if (kw === 'step' || kw === 'range') return (emit('KEYWORD', start), true);
    if (kw === 'min' || kw === 'max') return (emit('AGGREGATOR', start), true);
    if (kw === 'min_of' || kw === 'max_of') return (emit('KEYWORD', start), true);
    return false;
  };

  const string = (start: number, q: string): void => {
    pos++;
    if (q === '`') {
      const end = input.indexOf('`', pos);
      if (end < 0) {
        pos = input.length;
        fail(start, 'unterminated raw string');
      }
      pos = end + 1;
      return emit('STRING', start);
    }
    for (;;) {
      const c = input[pos++] ?? '';
      if (c === '' || c === '\n') fail(start, 'unterminated quoted string');
      if (c === q) return emit('STRING', start);
      if (c !== '\\') continue;
      const e = input[pos++] ?? '';
      if ('abfnrtv\\'.includes(e) && e !== '') continue;
      if (e === q) continue;
      let n = 3;
      let base = 8;
      let max = 255;
      let ch = e;
      if (e === 'x' || e === 'u' || e === 'U') {
        [n, base, max] = e === 'x' ? [2, 16, 255] : [e === 'u' ? 4 : 8, 16, 0x10ffff];
        ch = input[pos++] ?? '';
      } else if (e === '') fail(start, 'escape sequence not terminated');
      else if (!(e >= '0' && e <= '7')) fail(start, `unknown escape sequence ${unicodeRune(String.fromCodePoint(input.codePointAt(pos - 1)!))}`);
      let x = 0;
      for (;;) {
        const d = /[0-9a-fA-F]/.test(ch) && ch !== '' ? parseInt(ch, 16) : 16;
        if (d >= base) {
          if (ch === '') fail(start, 'escape sequence not terminated');
          fail(start, `illegal character ${unicodeRune(String.fromCodePoint(input.codePointAt(pos - 1)!))} in escape sequence`);
        }
        x = x * base + d;
        if (--n === 0) break;
        ch = input[pos++] ?? '';
      }
      if (x > max || (x >= 0xd800 && x < 0xe000)) fail(start, 'escape sequence is an invalid Unicode code point');
    }
  };

  const insideBraces = (): void => {
    const start = pos;
    const c = input[pos++] ?? '';
    if (c === '') fail(start, 'unexpected end of input inside braces');
    else if (isSpace(c)) return;
    else if (c === '#') {
      while (pos < input.length && input[pos] !== '\n' && input[pos] !== '\r') pos++;
    } else if (isAlpha(c)) {
      while (isAlnum(peek())) pos++;
      emit('IDENTIFIER', start);
    } else if (c === ',') emit('PUNCT', start);
    else if (c === '"' || c === "'" || c === '`') {
      pos--;
      string(start, c);
    } else if (c === '=') {
      if (peek() === '~') pos++;
      emit('OPERATOR', start);
    } else if (c === '!') {
      const n = input[pos++] ?? '';
      if (n !== '~' && n !== '=') fail(start, `unexpected character after '!' inside braces: ${quoteRune(n)}`);
      emit('OPERATOR', start);
    } else if (c === '{') fail(start, `unexpected left brace ${quoteRune(c)}`);
    else if (c === '}') {
      emit('PUNCT', start);
      braceOpen = false;
    } else fail(start, `unexpected character inside braces: ${quoteRune(String.fromCodePoint(input.codePointAt(start)!))}`);
  };

  const durationExpr = (): void => {
    const start = pos;
    const c = input[pos++] ?? '';
    if (c === '') fail(start, 'unexpected end of input in duration expression');
    else if (c === ']') {
      emit('PUNCT', start);
      bracketOpen = false;
      gotColon = false;
    } else if (c === ':') {
      emit('PUNCT', start);
      if (!gotDuration) failAfterEmit('unexpected colon before duration in duration expression');
      if (gotColon) failAfterEmit('unexpected repeated colon in duration expression');
      gotColon = true;
    } else if (c === '(') {
      emit('PUNCT', start);
      parenDepth++;
    } else if (c === ')') {
      emit('PUNCT', start);
      if (--parenDepth < 0) failAfterEmit(`unexpected right parenthesis ${quoteRune(c)}`);
    } else if (isSpace(c)) return;
    else if ('+-*/%^'.includes(c)) emit('OPERATOR', start);
    else if (c === ',') emit('PUNCT', start);
    else if ('sSmMrR'.includes(c)) {
      if (!scanDurationKeyword(start)) fail(start, `unexpected character in duration expression: ${quoteRune(c)}`);
    } else if (isDigit(c) || (c === '.' && isDigit(peek()))) {
      pos--;
      gotDuration = true;
      numberOrDuration(start);
    } else fail(start, `unexpected character in duration expression: ${quoteRune(String.fromCodePoint(input.codePointAt(start)!))}`);
  };

  const statement = (): void => {
    const start = pos;
    if (input.startsWith('#', pos)) {
      while (pos < input.length && input[pos] !== '\n' && input[pos] !== '\r') pos++;
      return;
    }
    const c = input[pos++] ?? '';
    if (c === '') {
      if (parenDepth !== 0) fail(start, 'unclosed left parenthesis');
      if (bracketOpen) fail(start, 'unclosed left bracket');
      pos = input.length;
      emit('EOF', start);
      return;
    }
    if (isSpace(c)) return;
    if (c === ',') return emit('PUNCT', start);
    if ('*/%+-^@'.includes(c)) return emit('OPERATOR', start);
    if (c === '=') {
      if (peek() === '=') pos++;
      else if (peek() === '~') fail(start, `unexpected character after '=': ${quoteRune('~')}`);
      return emit(input[start + 1] === '=' ? 'OPERATOR' : 'PUNCT', start);
    }
    if (c === '!') {
      const n = input[pos++] ?? '';
      if (n !== '=') fail(start, `unexpected character after '!': ${quoteRune(n === '' ? '\ufffd' : n)}`);
      return emit('OPERATOR', start);
    }
    if (c === '<' || c === '>') {
      if (peek() === '=' || peek() === '/') pos++;
      return emit('OPERATOR', start);
    }
    if (isDigit(c) || (c === '.' && isDigit(peek()))) {
      pos--;
      return numberOrDuration(start);
    }
    if (c === '"' || c === "'" || c === '`') {
      pos--;
      return string(start, c);
    }
    if (isAlpha(c) || c === ':') {
      if (bracketOpen) {
        if (c === ':') {
          if (gotColon) fail(start, `unexpected colon ${quoteRune(c)}`);
          if (peek() === ':') pos++;
          emit('PUNCT', start);
          gotColon = true;
          return;
        }
        if ('sSmM'.includes(c) && scanDurationKeyword(start)) return;
        fail(start, `unexpected character: ${quoteRune(c)}, expected ${quoteRune(':')}`);
      }
      while (isAlnum(peek()) || peek() === ':') pos++;
      const word = input.slice(start, pos);
      const low = word.toLowerCase();
      if (low === 'inf' || low === 'nan') return emit('NUMBER', start);
      if (WORD_OPERATORS.has(low)) return emit('OPERATOR', start);
      if (AGGREGATORS.has(low)) return emit('AGGREGATOR', start);
      if (KEYWORDS.has(low)) {
        if (low.startsWith('fill') && !/^\s*\(/.test(input.slice(pos))) return emit('IDENTIFIER', start);
        return emit('KEYWORD', start);
      }
      return emit(word.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER', start);
    }
    if (c === '(') {
      emit('PUNCT', start);
      parenDepth++;
      return;
    }
    if (c === ')') {
      emit('PUNCT', start);
      if (--parenDepth < 0) failAfterEmit(`unexpected right parenthesis ${quoteRune(c)}`);
      return;
    }
    if (c === '{') {
      emit('PUNCT', start);
      braceOpen = true;
      return;
    }
    if (c === '[') {
      if (bracketOpen) fail(start, `unexpected left bracket ${quoteRune(c)}`);
      gotColon = false;
      gotDuration = false;
      emit('PUNCT', start);
      bracketOpen = true;
      return;
    }
    if (c === ']') {
      if (!bracketOpen) fail(start, `unexpected right bracket ${quoteRune(c)}`);
      emit('PUNCT', start);
      bracketOpen = false;
      return;
    }
    fail(start, `unexpected character: ${quoteRune(String.fromCodePoint(input.codePointAt(start)!))}`);
  };

  try {
    while (tokens.length === 0 || tokens[tokens.length - 1].kind !== 'EOF') {
      if (braceOpen) insideBraces();
      else if (bracketOpen) durationExpr();
      else statement();
    }
    return { tokens };
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    // A token emitted just before the error (`)` of `foo)`) is replaced by it, as in Go where both write one item.
    const from = e.replacesLast ? tokens.pop()!.from : e.pos;
    return { tokens, error: { index: tokens.length, from, pos: e.pos, msg: e.msg } };
  }
}
