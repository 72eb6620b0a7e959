/** Log rows from Loki answers: ordering, level detection, detected fields and derived-field links (pure helpers). */

export interface LokiStream {
  stream: Record<string, string>;
  values: ([string, string] | [string, string, Record<string, unknown>])[];
}

export interface LogRow {
  /** Nanoseconds since the epoch, as Loki gives them (a decimal string). */
  tsNs: string;
  timeMs: number;
  line: string;
  labels: Record<string, string>;
  level: LogLevel;
  /** Position in the answer, to keep the sort stable. */
  seq: number;
}

export type LogLevel = 'critical' | 'error' | 'warning' | 'info' | 'debug' | 'trace' | 'unknown';

const LEVEL_WORDS: [RegExp, LogLevel][] = [
  [/^(crit|critical|fatal|panic|emerg|alert)$/i, 'critical'],
  [/^(err|error|eror)$/i, 'error'],
  [/^(warn|warning)$/i, 'warning'],
  [/^(info|information|informational|notice)$/i, 'info'],
  [/^(debug|dbug)$/i, 'debug'],
  [/^(trace)$/i, 'trace'],
];

export function levelOf(word: string): LogLevel | undefined {
  for (const [re, l] of LEVEL_WORDS) if (re.test(word)) return l;
  return undefined;
}

/**
 * The level of a line, as Grafana finds it: a `level`/`severity`/`detected_level` label, else `level=...` or
 * `"level":"..."` in the line, else the first level word in the line.
 */
export function detectLevel(line: string, labels: Record<string, string>): LogLevel {
  for (const k of ['detected_level', 'level', 'severity', 'lvl', 'loglevel']) {
    const l = labels[k] !== undefined ? levelOf(labels[k]) : undefined;
    if (l) return l;
  }
  const kv = /(?:^|[\s{,])"?(?:level|severity|lvl|loglevel)"?\s*[=:]\s*"?([A-Za-z]+)/i.exec(line);
  if (kv) {
    const l = levelOf(kv[1]);
    if (l) return l;
  }
  const word = /\b(CRITICAL|FATAL|PANIC|ERROR|ERR|WARNING|WARN|INFO|DEBUG|TRACE)\b/i.exec(line);
  return (word && levelOf(word[1])) || 'unknown';
}

/** Compare Loki nanosecond timestamps given as decimal strings (no BigInt needed). */
export function compareNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** All streams' entries as one list, newest first (`backward`) or oldest first (`forward`). */
export function flattenStreams(streams: LokiStream[], direction: 'backward' | 'forward'): LogRow[] {
  const rows: LogRow[] = [];
  let seq = 0;
  for (const s of streams) {
    for (const v of s.values) {
      const labels = v[2] ? { ...s.stream, ...(v[2] as Record<string, string>) } : s.stream;
      rows.push({ tsNs: v[0], timeMs: Number(v[0].slice(0, -6) || '0'), line: v[1], labels, level: detectLevel(v[1], labels), seq: seq++ });
    }
  }
  rows.sort((a, b) => {
    const c = compareNs(a.tsNs, b.tsNs) || a.seq - b.seq;
    return direction === 'backward' ? -c : c;
  });
  return rows;
}

/** Fields in a line: a JSON object's top-level scalars, or logfmt `key=value` pairs. */
export function detectedFields(line: string): Record<string, string> {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(o)) if (v === null || typeof v !== 'object') out[k] = String(v);
      return out;
    } catch {
      /* not JSON */
    }
  }
  const out: Record<string, string> = {};
  for (const m of t.matchAll(/([A-Za-z_][\w.-]*)=("((?:[^"\\]|\\.)*)"|[^\s"]*)/g)) out[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
  return out;
}

export interface DerivedField {
  name: string;
  matcherRegex: string;
  url?: string;
  datasourceUid?: string;
  urlDisplayLabel?: string;
}

export interface DerivedLink {
  name: string;
  value: string;
  /** For an internal link: the datasource to open with `value` as the query (Grafana's `${__value.raw}`). */
  datasourceUid?: string;
  /** For an external link: the URL with `${__value.raw}` filled in. */
  href?: string;
  label: string;
}

export interface CompiledDerivedField {
  field: DerivedField;
  re: RegExp;
}

/** Compile derived fields once per result (invalid regexes are skipped). */
export function compileDerivedFields(fields: DerivedField[]): CompiledDerivedField[] {
  const out: CompiledDerivedField[] = [];
  for (const field of fields) {
    try {
      out.push({ field, re: new RegExp(field.matcherRegex) });
    } catch {
      /* skipped, as Grafana does */
    }
  }
  return out;
}

/** Grafana's derived fields: the first capture group of `matcherRegex` becomes a link, internal or external. */
export function linksFor(line: string, compiled: CompiledDerivedField[]): DerivedLink[] {
  const out: DerivedLink[] = [];
  for (const { field: f, re } of compiled) {
    const m = re.exec(line);
    if (!m || m[1] === undefined) continue;
    const value = m[1];
    const filled = (f.url ?? '${__value.raw}').replace(/\$\{__value\.raw\}/g, value);
    out.push(f.datasourceUid ? { name: f.name, value, datasourceUid: f.datasourceUid, label: f.urlDisplayLabel || `${f.name}: ${filled}` } : { name: f.name, value, href: filled, label: f.urlDisplayLabel || `${f.name}: ${value}` });
  }
  return out;
}

export const derivedLinks = (line: string, fields: DerivedField[]): DerivedLink[] => linksFor(line, compileDerivedFields(fields));

/** An exact stream selector for labels (`{a="x", b="y"}`, values escaped), for a line's context. */
export function streamSelector(labels: Record<string, string>): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(', ')}}`;
}

/**
 * The two `query_range` calls of "show context" (as Grafana's Loki datasource makes them): up to `limit` lines of the
 * stream at or before the line (backward, ending just after it), and up to `limit` after it (forward), within `windowMs`.
 */
export function contextQueries(selector: string, tsNs: string, limit = 10, windowMs = 3600_000): { before: Record<string, string>; after: Record<string, string> } {
  const t = BigInt(tsNs);
  const w = BigInt(windowMs) * 1_000_000n;
  return {
    before: { query: selector, direction: 'backward', limit: String(limit), start: String(t - w), end: String(t + 1n) },
    after: { query: selector, direction: 'forward', limit: String(limit), start: String(t + 1n), end: String(t + w) },
  };
}
