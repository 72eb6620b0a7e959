import { Matcher, type MatchType } from '../../model/index.js';

/**
 * Alertmanager's matcher syntax (`pkg/labels` of Alertmanager 0.25), used in `matchers:` of routes and inhibit
 * rules, in API filters and in amtool: `name op value` with op `=`, `!=`, `=~`, `!~`; the value optionally in
 * double quotes with OpenMetrics escapes (`\"`, `\n`, `\\`). A list may be wrapped in `{}` and separated by commas
 * outside quotes.
 */
export class MatcherParseError extends Error {
  override name = 'MatcherParseError';
}

const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

export function parseMatcher(s: string): Matcher {
  const m = MATCHER_RE.exec(s);
  if (!m) throw new MatcherParseError(`bad matcher format: ${s}`);
  let raw = m[3];
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  const chars = Array.from(raw);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += `\\${c}`;
      continue;
    }
    if (c === '\\') {
      if (i < chars.length - 1) {
        escaped = true;
        continue;
      }
      value += '\\';
    } else if (c === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) throw new MatcherParseError(`matcher value contains unescaped double quote: ${m[3]}`);
      expectTrailingQuote = false;
    } else value += c;
  }
  if (expectTrailingQuote) throw new MatcherParseError(`matcher value contains unescaped double quote: ${m[3]}`);
  return newMatcher(m[2] as MatchType, m[1], value);
}

/** A matcher, with the regex compiled (RE2 semantics, anchored); a bad regex is a MatcherParseError. */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  try {
    return new Matcher(type, name, value);
  } catch (e) {
    throw new MatcherParseError((e as Error).message);
  }
}

/** A comma-separated list, optionally in braces (`{a="b", c=~"d.*"}`). */
export function parseMatchers(input: string): Matcher[] {
  let s = input;
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let inside = false;
  let escaped = false;
  let token = '';
  for (const c of s) {
    if (c === ',' && !inside) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (!escaped) inside = !inside;
      else escaped = false;
    } else if (c === '\\') escaped = !escaped;
    else escaped = false;
    token += c;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}

/** Alertmanager's string form of a matcher: `name="value"` with OpenMetrics escaping. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.type}"${m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Sort as Alertmanager's `Matchers` do: by name, then value, then type. */
export function sortMatchers(ms: Matcher[]): Matcher[] {
  const order: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };
  return ms.sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.value !== b.value ? (a.value < b.value ? -1 : 1) : order[a.type] - order[b.type]));
}
