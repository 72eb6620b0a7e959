/**
 * Whether query text nests brackets (`(`, `{`, `[`) deeper than `limit`, outside string literals (`"..."`,
 * `'...'`, `` `...` ``). One linear pass: query parsers run it before the grammar, whose error recovery on
 * hostile input (`{` repeated tens of thousands of times) costs seconds of the shared event loop.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28 || c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x29 || c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
    } else if (c === 0x22 || c === 0x27 || c === 0x60) {
      // Skip the literal; backslash escapes only in interpreted strings.
      for (i++; i < text.length && text.charCodeAt(i) !== c; i++) {
        if (c !== 0x60 && text.charCodeAt(i) === 0x5c) i++;
      }
    }
  }
  return false;
}

/** Bracket nesting accepted by the LogQL and TraceQL parsers: far beyond any real query. */
export const MAX_QUERY_NESTING = 256;
