/**
 * Prometheus regular expressions are Go RE2, fully anchored and with `.` matching newlines (`^(?s:re)$`).
 * This compiles one into a JavaScript RegExp with the same meaning for the syntax both share, and translates
 * the RE2-only spellings that occur in practice: leading flag groups `(?i)`, `(?s)`, `(?m)`, `(?U)` is refused,
 * and named groups `(?P<name>...)`.
 */
export class RegexSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(`error parsing regexp: ${message}: \`${pattern}\``);
    this.name = 'RegexSyntaxError';
  }
}

export function translateRe2(pattern: string): { source: string; flags: string } {
  let src = pattern;
  let flags = 's';
  // Leading global flag groups: (?i) (?is) ...
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'U') throw new RegexSyntaxError(pattern, 'ungreedy flag (?U) is not supported');
      if (!flags.includes(f)) flags += f;
    }
    src = src.slice(lead[0].length);
  }
  src = src.replace(/\(\?P</g, '(?<');
  // RE2 \z (end of text) -> JS $ (we never use the m flag for anchoring purposes)
  src = src.replace(/\\z/g, '$');
  return { source: src, flags };
}

/** Compile fully anchored (`^(?:re)$`), as Prometheus label matchers and relabel rules do. */
export function compileAnchored(pattern: string): RegExp {
  const { source, flags } = translateRe2(pattern);
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (e) {
    throw new RegexSyntaxError(pattern, (e as Error).message);
  }
}

/** Compile unanchored (for functions such as LogQL line filters). */
export function compileUnanchored(pattern: string): RegExp {
  const { source, flags } = translateRe2(pattern);
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new RegexSyntaxError(pattern, (e as Error).message);
  }
}

/**
 * Expand a Go regexp replacement template (`$1`, `${1}`, `$name`, `${name}`, `$$`) against a match,
 * as Go's Regexp.Expand does: an unknown or out-of-range reference expands to ''.
 */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (_all, tok: string, braced?: string, bare?: string) => {
    if (tok === '$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) {
      const v = match[Number(name)];
      return v ?? '';
    }
    const g = match.groups?.[name];
    return g ?? '';
  });
}
