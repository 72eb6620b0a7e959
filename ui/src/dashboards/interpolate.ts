/**
 * Grafana's template variable interpolation: `$var`, `${var}`, `${var:format}`, `[[var]]`, `[[var:format]]`,
 * multi-value and All values, the named formats (`regex`, `pipe`, `csv`, `json`, `glob`, ...) and the default
 * formatting of each datasource (Prometheus and Loki: regex-escaped `(a|b)` for multi-value variables).
 * Pure: no DOM, no fetch.
 */

/** A variable's current value as interpolation needs it. */
export interface VariableValue {
  /** One value, or several for a multi-value variable. */
  value: string | string[];
  /** The display text (`${var:text}`). */
  text?: string | string[];
  /** "All" is selected. */
  isAll?: boolean;
  /** The custom value for All (used as it is, not formatted); none: All expands to `options`. */
  allValue?: string | null;
  /** Every option's value (what All stands for). */
  options?: string[];
  multi?: boolean;
  includeAll?: boolean;
}

/** How a datasource formats a variable when the reference has no `:format`. */
export type DefaultFormat = 'prometheus' | 'loki' | 'glob' | 'raw';

export interface InterpolateOptions {
  defaultFormat?: DefaultFormat;
  /** Plain values taking precedence over variables (`$__interval`, `$__range`, ...); never formatted. */
  scoped?: Record<string, string>;
}

// `$var`, `[[var:fmt]]`, `${var.field:fmt}` (Grafana's variable reference syntax)
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** The names a text refers to, in order (for dependencies between variables). */
export function variableNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(VARIABLE_RE)) out.push(m[1] ?? m[2] ?? m[4]!);
  return out;
}

const regexEscape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** Prometheus: a single value keeps backslashes and quotes safe inside a PromQL string. */
export const prometheusRegularEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
/** Prometheus: a value inside a regex matcher (`=~"$var"`): regex metacharacters escaped for PromQL's string. */
export const prometheusRegexEscape = (s: string) => s.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');

function datasourceFormat(values: string[], v: VariableValue, format: DefaultFormat): string {
  if (format === 'prometheus' || format === 'loki') {
    if (!v.multi && !v.includeAll) return values.map(prometheusRegularEscape).join(',');
    const escaped = values.map(prometheusRegexEscape);
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  }
  if (format === 'glob') return values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? '');
  return values.join(',');
}

/** One value list in a named format (Grafana's format registry). Unknown formats fall back to `glob`. */
export function formatValues(values: string[], format: string, name = '', text: string[] = values): string {
  const single = values.length === 1;
  switch (format) {
    case 'regex':
      return single ? regexEscape(values[0]!) : `(${values.map(regexEscape).join('|')})`;
    case 'pipe':
      return values.join('|');
    case 'csv':
      return values.join(',');
    case 'json':
      return JSON.stringify(single ? values[0] : values);
    case 'raw':
      return values.join(',');
    case 'text':
      return text.join(' + ');
    case 'distributed':
      return values.map((v, i) => (i === 0 ? v : `${name}=${v}`)).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'lucene': {
      const esc = (v: string) => v.replace(/([+\-=&|><!(){}[\]^"~*?:\\/ ])/g, '\\$1');
      return single ? esc(values[0]!) : `(${values.map((v) => `"${esc(v)}"`).join(' OR ')})`;
    }
    case 'percentencode':
      return encodeURIComponent(single ? values[0]! : `{${values.join(',')}}`);
    case 'queryparam':
      return values.map((v) => `var-${encodeURIComponent(name)}=${encodeURIComponent(v)}`).join('&');
    case 'date':
      return values.join(',');
    default:
      return single ? values[0]! : `{${values.join(',')}}`;
  }
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The text with every known variable replaced; unknown references stay as they are. */
export function interpolate(text: string, vars: ReadonlyMap<string, VariableValue>, opts: InterpolateOptions = {}): string {
  return text.replace(VARIABLE_RE, (match, n1: string | undefined, n2: string | undefined, fmt2: string | undefined, n3: string | undefined, _field: string | undefined, fmt3: string | undefined) => {
    const name = (n1 ?? n2 ?? n3)!;
    const format = fmt2 ?? fmt3;
    const scoped = opts.scoped?.[name];
    if (scoped !== undefined) return scoped;
    const v = vars.get(name);
    if (!v) return match;
    if (v.isAll && v.allValue !== undefined && v.allValue !== null && v.allValue !== '' && format !== 'text' && format !== 'percentencode' && format !== 'queryparam') {
      return interpolate(v.allValue, vars, opts);
    }
    const values = v.isAll ? (v.options ?? []) : asList(v.value);
    const texts = v.isAll ? ['All'] : asList(v.text ?? v.value);
    if (format) return formatValues(values, format, name, texts);
    return datasourceFormat(values, v, opts.defaultFormat ?? 'glob');
  });
}

/** Which default formatting a datasource type uses. */
export function defaultFormatFor(datasourceType: string | undefined): DefaultFormat {
  if (datasourceType === 'prometheus') return 'prometheus';
  if (datasourceType === 'loki') return 'loki';
  return 'glob';
}

/** A duration in Prometheus notation, in the largest whole unit (`90000` → `90s`, `120000` → `2m`). */
export function msToDuration(ms: number): string {
  const r = Math.max(1, Math.round(ms));
  if (r % 86_400_000 === 0) return `${r / 86_400_000}d`;
  if (r % 3_600_000 === 0) return `${r / 3_600_000}h`;
  if (r % 60_000 === 0) return `${r / 60_000}m`;
  if (r % 1000 === 0) return `${r / 1000}s`;
  return `${r}ms`;
}

/**
 * Grafana's global variables for one panel query: `$__interval` (and `_ms`), `$__rate_interval` (at least four
 * scrape intervals, and one scrape interval more than `$__interval`), `$__range` (`_s`, `_ms`), `$__from`, `$__to`.
 */
export function globalVariables(p: { fromMs: number; toMs: number; intervalMs: number; scrapeIntervalMs: number; dashboard?: string }): Record<string, string> {
  const rangeMs = p.toMs - p.fromMs;
  const rate = Math.max(p.intervalMs + p.scrapeIntervalMs, 4 * p.scrapeIntervalMs);
  const out: Record<string, string> = {
    __interval: msToDuration(p.intervalMs),
    __interval_ms: String(Math.round(p.intervalMs)),
    __rate_interval: msToDuration(rate),
    __rate_interval_ms: String(rate),
    __range: `${Math.round(rangeMs / 1000)}s`,
    __range_s: String(Math.round(rangeMs / 1000)),
    __range_ms: String(Math.round(rangeMs)),
    __from: String(Math.round(p.fromMs)),
    __to: String(Math.round(p.toMs)),
  };
  if (p.dashboard !== undefined) out.__dashboard = p.dashboard;
  return out;
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };

/**
 * A panel's own range, as Grafana's relative time and time shift give it: `timeFrom: "1h"` keeps the last hour up to
 * the dashboard's end, `timeShift: "1d"` moves the range a day back (both may hold variables, already replaced).
 */
export function panelTimeRange(fromMs: number, toMs: number, timeFrom?: string, timeShift?: string): { fromMs: number; toMs: number } {
  const dur = (s: string | undefined) => {
    const m = /^\s*(?:now-)?(\d+)(ms|s|m|h|d|w|M|y)\s*$/.exec(s ?? '');
    return m ? Number(m[1]) * DURATION_MS[m[2]!]! : 0;
  };
  let from = fromMs;
  let to = toMs;
  const rel = dur(timeFrom);
  if (rel > 0) from = to - rel;
  const shift = dur(timeShift);
  if (shift > 0) {
    from -= shift;
    to -= shift;
  }
  return { fromMs: from, toMs: to };
}
