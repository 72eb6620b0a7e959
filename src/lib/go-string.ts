/**
 * Go string literals as Prometheus, Loki and Tempo read them (`strconv.Unquote`, and Prometheus's `strutil.Unquote`
 * which also allows single-quoted strings of any length), and Go's `%q`.
 *
 * Go strings are bytes and may hold invalid UTF-8 (`"\xff"`); JavaScript strings cannot. Invalid bytes are kept
 * as lone surrogates U+DC80..U+DCFF (as Python's surrogateescape does), so validity checks can still see them and
 * `goQuote` writes them back as `\xNN`.
 */
export class GoUnquoteError extends Error {
  override name = 'GoUnquoteError';
  constructor(message = 'invalid syntax') {
    super(message);
  }
}

/**
 * Unquote a `"..."`, `'...'` or `` `...` `` literal: escapes `\a \b \f \n \r \t \v \\`, the own quote, `\xNN`,
 * octal `\NNN` (bytes, decoded together as UTF-8), `\uNNNN`, `\UNNNNNNNN`. Throws `GoUnquoteError`
 * ('invalid syntax') otherwise, as Go does.
 */
export function unquoteGo(raw: string): string {
  const q = raw[0];
  if (raw.length < 2 || raw[raw.length - 1] !== q || (q !== '"' && q !== "'" && q !== '`')) throw new GoUnquoteError();
  const body = raw.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new GoUnquoteError();
    return body.includes('\r') ? body.replaceAll('\r', '') : body;
  }
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
      case '"':
      case "'":
        if (n !== q && n !== '\\') throw new GoUnquoteError();
        out += n;
        break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new GoUnquoteError();
        out += decodeByteRun(body, i - 1).str;
        i = decodeByteRun(body, i - 1).end - 1;
        break;
      }
      case 'u':
      case 'U': {
        const len = n === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new GoUnquoteError();
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new GoUnquoteError();
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      default:
        if (n !== undefined && /[0-7]/.test(n)) {
          const run = decodeByteRun(body, i - 1);
          out += run.str;
          i = run.end - 1;
          break;
        }
        throw new GoUnquoteError();
    }
  }
  return out;
}

/** Consecutive \xNN / \NNN escapes form UTF-8 bytes; decode them together. */
function decodeByteRun(body: string, start: number): { str: string; end: number } {
  const bytes: number[] = [];
  let i = start;
  for (;;) {
    if (body[i] !== '\\') break;
    if (body[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
      bytes.push(parseInt(body.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4))) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 4;
    } else break;
  }
  return { str: decodeUtf8Lossless(bytes), end: i };
}

/**
 * Go strings may hold invalid UTF-8; JavaScript strings cannot. Invalid bytes are kept as lone surrogates
 * U+DC80..U+DCFF (as Python's surrogateescape does) so that validity checks can still see them.
 */
export function decodeUtf8Lossless(bytes: number[]): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return bytes.map((b) => (b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b))).join('');
  }
}


/** Go's %q of a string that may hold escaped invalid bytes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xdc80 && c <= 0xdcff) out += '\\x' + (c - 0xdc00).toString(16).padStart(2, '0');
    else if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

