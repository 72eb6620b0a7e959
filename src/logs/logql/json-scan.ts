/**
 * A small JSON reader for the `json` parser. Unlike `JSON.parse` it keeps what Loki keeps: the raw text of numbers
 * (`0.50` stays `0.50`, `1e3` stays `1e3`) and the raw text of nested objects/arrays (for extraction expressions),
 * and object members in document order.
 */
export type JsonNode =
  | { t: 'o'; entries: Array<[string, JsonNode]>; s: number; e: number }
  | { t: 'a'; items: JsonNode[]; s: number; e: number }
  | { t: 's'; v: string }
  | { t: 'n'; raw: string }
  | { t: 'b'; v: boolean }
  | { t: 'null' };

export class JsonScanError extends Error {}

export function scanJson(text: string): JsonNode {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonScanError(`${what} at position ${i}`);
  };
  const str = (): string => {
    // text[i] === '"'
    const s = ++i;
    let simple = true;
    for (;;) {
      if (i >= n) fail('Unterminated string in JSON');
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        simple = false;
        i += 2;
      } else if (c < 32) fail('Bad control character in string literal in JSON');
      else i++;
    }
    const raw = text.slice(s, i);
    i++;
    if (simple) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return fail('Bad escaped character in JSON');
    }
  };
  const value = (): JsonNode => {
    ws();
    if (i >= n) fail('Unexpected end of JSON input');
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) {
      const s = i++;
      const entries: Array<[string, JsonNode]> = [];
      ws();
      if (text.charCodeAt(i) === 125) {
        i++;
        return { t: 'o', entries, s, e: i };
      }
      for (;;) {
        ws();
        if (text.charCodeAt(i) !== 34) fail('Expected property name in JSON');
        const k = str();
        ws();
        if (text.charCodeAt(i) !== 58) fail("Expected ':' after property name in JSON");
        i++;
        entries.push([k, value()]);
        ws();
        const d = text.charCodeAt(i++);
        if (d === 125) return { t: 'o', entries, s, e: i };
        if (d !== 44) fail("Expected ',' or '}' after property value in JSON");
      }
    }
    if (c === 91 /* [ */) {
      const s = i++;
      const items: JsonNode[] = [];
      ws();
      if (text.charCodeAt(i) === 93) {
        i++;
        return { t: 'a', items, s, e: i };
      }
      for (;;) {
        items.push(value());
        ws();
        const d = text.charCodeAt(i++);
        if (d === 93) return { t: 'a', items, s, e: i };
        if (d !== 44) fail("Expected ',' or ']' after array element in JSON");
      }
    }
    if (c === 34) return { t: 's', v: str() };
    if (text.startsWith('true', i)) {
      i += 4;
      return { t: 'b', v: true };
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return { t: 'b', v: false };
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return { t: 'null' };
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || m[0] === '') return fail(`Unexpected token '${text[i]}' in JSON`);
    i += m[0].length;
    return { t: 'n', raw: m[0] };
  };
  const v = value();
  ws();
  if (i < n) fail('Unexpected non-whitespace character after JSON');
  return v;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A scalar node as Loki writes it into a label (numbers raw, booleans `true`/`false`); objects/arrays as raw text. */
export function jsonNodeText(node: JsonNode, text: string): string {
  switch (node.t) {
    case 's':
      return node.v;
    case 'n':
      return node.raw;
    case 'b':
      return node.v ? 'true' : 'false';
    case 'null':
      return '';
    default:
      return text.slice(node.s, node.e);
  }
}
