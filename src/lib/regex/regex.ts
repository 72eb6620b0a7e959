import { RE2JS } from 're2js';

/**
 * Regular expressions with Go RE2 semantics (what Prometheus, Loki, Tempo, Alertmanager and the Collector use):
 * linear time in the input whatever the pattern, and RE2's syntax — backreferences and lookaround are refused
 * with Go's `error parsing regexp: ...` message. Every user-supplied pattern in Sightline is compiled here.
 *
 * The compiled object is shaped like the subset of `RegExp` the code uses (`source`, `test`, `exec`), so
 * callers do not care which engine runs. Prometheus's fast paths are kept: a literal, a set of literal
 * alternatives, a literal prefix followed by `.*`, and `.*` / `.+` never reach the automaton.
 */
export class RegexSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(message.startsWith('error parsing regexp: ') ? message : `error parsing regexp: ${message}: \`${pattern}\``);
    this.name = 'RegexSyntaxError';
  }
}

/** A match as `RegExp.prototype.exec` returns it: `[0]` the match, `[n]` groups, `index`, `groups` by name. */
export type RegexMatch = RegExpExecArray;

export interface Regex {
  /** The pattern as the user wrote it. */
  readonly source: string;
  /** Whether the pattern matches (the whole string when compiled anchored, any part otherwise). */
  test(s: string): boolean;
  /** The first match with its groups, or null. */
  exec(s: string): RegexMatch | null;
  /** Every non-overlapping match, left to right. */
  matchAll(s: string): IterableIterator<RegexMatch>;
  /** Names of the capture groups in order (index 1.. ; unnamed groups are ''). */
  readonly groupNames: readonly string[];
  /**
   * Go's FindAllStringSubmatchIndex: per match `[start, end, g1start, g1end, ...]` in UTF-16 units, -1 for a group
   * that did not take part (the agent's `replace` stage replaces captured groups in place).
   */
  allSubmatchIndices(s: string): number[][];
}

export interface CompileOptions {
  /** Match the whole input (`^(?:re)$`), as label matchers and relabeling do. Default false. */
  anchored?: boolean;
  /** `.` matches `\n` too (Prometheus wraps matchers in `(?s:...)`). Default true. */
  dotAll?: boolean;
  caseInsensitive?: boolean;
}

/** Compile with RE2 semantics; throws `RegexSyntaxError` with Go's message for invalid RE2. */
export function compileRegex(pattern: string, opts: CompileOptions = {}): Regex {
  const anchored = opts.anchored ?? false;
  const dotAll = opts.dotAll ?? true;
  const ci = opts.caseInsensitive ?? false;
  let flags = 0;
  if (dotAll) flags |= RE2JS.DOTALL;
  if (ci) flags |= RE2JS.CASE_INSENSITIVE;
  const fast = anchored && !ci ? anchoredFastPath(pattern, dotAll) : undefined;
  const compile = (): RE2JS => {
    try {
      // Validate the pattern as written, so the message quotes the user's text and not our wrapping.
      RE2JS.compile(pattern);
      return RE2JS.compile(anchored ? `^(?:${pattern})$` : pattern, flags);
    } catch (e) {
      throw new RegexSyntaxError(pattern, (e as Error).message);
    }
  };
  // A fast-path pattern (a literal, literal alternatives, a literal with .* around it) is valid RE2 without groups:
  // the automaton is built only if something asks for matches. Building it for 10,000 alternatives takes seconds.
  let compiled = fast ? undefined : compile();
  const automaton = () => (compiled ??= compile());
  const names: string[] = [];
  if (compiled) {
    names.length = compiled.groupCount();
    names.fill('');
    const named = compiled.namedGroups() as Record<string, number>;
    for (const [n, i] of Object.entries(named)) names[i - 1] = n;
  }
  return {
    source: pattern,
    groupNames: names,
    test: fast ?? (anchored ? (s) => automaton().testExact(s) : (s) => automaton().test(s)),
    exec: (s) => automaton().exec(s) as RegexMatch | null,
    matchAll: (s) => automaton().matchAll(s) as IterableIterator<RegexMatch>,
    allSubmatchIndices: (s) => {
      const re = automaton();
      const m = re.matcher(s);
      const out: number[][] = [];
      const groups = re.groupCount();
      while (m.find()) {
        const row: number[] = [];
        for (let g = 0; g <= groups; g++) row.push(m.start(g), m.end(g));
        out.push(row);
      }
      return out;
    },
  };
}

/** Compile fully anchored (`^(?:re)$`, `.` matching newlines), as Prometheus label matchers and relabel rules do. */
export function compileAnchored(pattern: string): Regex {
  return compileRegex(pattern, { anchored: true });
}

/** Compile unanchored (LogQL line filters, `regexp` stages): matches anywhere in the input. */
export function compileUnanchored(pattern: string): Regex {
  return compileRegex(pattern, { anchored: false });
}

const META = /[\\.+*?()|[\]{}^$]/;

/**
 * Prometheus's FastRegexMatcher shortcuts for anchored patterns that need no automaton; undefined when the
 * pattern is not one of them.
 */
function anchoredFastPath(pattern: string, dotAll: boolean): ((s: string) => boolean) | undefined {
  if (pattern.startsWith('(?')) return undefined;
  if (!META.test(pattern)) return (s) => s === pattern;
  if (dotAll) {
    if (pattern === '.*') return () => true;
    if (pattern === '.+') return (s) => s.length > 0;
    if (pattern.endsWith('.*')) {
      const prefix = pattern.slice(0, -2);
      if (!META.test(prefix)) return (s) => s.startsWith(prefix);
    }
    if (pattern.startsWith('.*') && pattern.endsWith('.*') && pattern.length > 4) {
      const inner = pattern.slice(2, -2);
      if (!META.test(inner)) return (s) => s.includes(inner);
    }
  }
  const alts = pattern.split('|');
  if (alts.length > 1 && alts.every((a) => !META.test(a))) {
    const set = new Set(alts);
    return (s) => set.has(s);
  }
  return undefined;
}

/**
 * Expand a Go regexp replacement template (`$1`, `${1}`, `$name`, `${name}`, `$$`) against a match,
 * as Go's Regexp.Expand does: an unknown or out-of-range reference expands to ''.
 */
export function expandTemplate(template: string, match: RegexMatch): string {
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

/**
 * Go's ReplaceAllString (`$1`, `${name}` expanded) or, with `literal`, ReplaceAllLiteralString: every match
 * replaced.
 */
export function replaceAll(re: Regex, s: string, template: string, opts: { literal?: boolean } = {}): string {
  let out = '';
  let last = 0;
  for (const m of re.matchAll(s)) {
    out += s.slice(last, m.index) + (opts.literal ? template : expandTemplate(template, m));
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}
