/**
 * Template variable definitions, without fetching: Prometheus and Loki variable queries parsed, Grafana's regex
 * filter and sort orders, custom/interval option lists, and the choice of the current value. Pure.
 */
import type { VariableModel, VariableOption } from './model.js';

export type PromVariableQuery =
  | { kind: 'label_values'; label: string; match?: string }
  | { kind: 'label_names'; match?: string }
  | { kind: 'metrics'; regex: string }
  | { kind: 'query_result'; query: string }
  | { kind: 'series'; match: string };

/** The query text of a variable: a string, or the `query` field of the object newer Grafana versions save. */
export function variableQueryText(v: VariableModel): string {
  const q = v.query;
  if (typeof q === 'string') return q;
  if (q && typeof q === 'object' && typeof (q as { query?: unknown }).query === 'string') return (q as { query: string }).query;
  return typeof v.definition === 'string' ? v.definition : '';
}

/** Prometheus variable queries as Grafana's Prometheus datasource reads them; anything else is a series query. */
export function parsePromVariableQuery(text: string): PromVariableQuery {
  const q = text.trim();
  let m = /^label_names\(\s*(.*?)\s*\)\s*$/s.exec(q);
  if (m) return m[1] ? { kind: 'label_names', match: m[1] } : { kind: 'label_names' };
  m = /^label_values\(\s*(?:(.+)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_.]*)\s*\)\s*$/s.exec(q);
  if (m) return m[1] ? { kind: 'label_values', label: m[2]!, match: m[1].trim() } : { kind: 'label_values', label: m[2]! };
  m = /^metrics\(\s*(.*?)\s*\)\s*$/s.exec(q);
  if (m) return { kind: 'metrics', regex: m[1]! };
  m = /^query_result\(\s*(.+)\s*\)\s*$/s.exec(q);
  if (m) return { kind: 'query_result', query: m[1]! };
  return { kind: 'series', match: q };
}

export type LokiVariableQuery = { kind: 'label_names' } | { kind: 'label_values'; label: string; stream?: string };

/** Loki variable queries: `label_names()`, `label_values(label)`, `label_values({sel}, label)`, or Grafana's object form. */
export function parseLokiVariableQuery(v: VariableModel): LokiVariableQuery | undefined {
  const q = v.query;
  if (q && typeof q === 'object' && !('query' in q && typeof (q as { query: unknown }).query === 'string')) {
    const o = q as { type?: number | string; label?: string; stream?: string };
    if ((o.type === 1 || o.type === 'labelValues') && o.label) return { kind: 'label_values', label: o.label, ...(o.stream ? { stream: o.stream } : {}) };
    return { kind: 'label_names' };
  }
  const text = variableQueryText(v).trim();
  if (/^label_names\(\s*\)$/.test(text)) return { kind: 'label_names' };
  const m = /^label_values\(\s*(?:(\{.*\})\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s.exec(text);
  if (m) return { kind: 'label_values', label: m[2]!, ...(m[1] ? { stream: m[1] } : {}) };
  return undefined;
}

/** Grafana's `query_result` text for one sample: `name{a="1"} value timestamp_ms`. */
export function queryResultText(metric: Record<string, string>, value: [number, string]): string {
  const { __name__: name, ...rest } = metric;
  const labels = Object.entries(rest)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${name ?? ''}{${labels}} ${value[1]} ${Math.round(value[0] * 1000)}`;
}

/** A series as Grafana's series query shows it: `name{a="1", b="2"}`. */
export function seriesText(metric: Record<string, string>): string {
  const { __name__: name, ...rest } = metric;
  return `${name ?? ''}{${Object.entries(rest)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

/** `/pattern/flags` (or a bare pattern) as a RegExp; undefined when empty or invalid. */
export function parseRegex(s: string | undefined): RegExp | undefined {
  if (!s) return undefined;
  const m = /^\/(.*)\/([gimsuy]*)$/s.exec(s);
  try {
    return m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : new RegExp(s);
  } catch {
    return undefined;
  }
}

/**
 * Grafana's variable regex: values that do not match are dropped; the first capture group (or the named groups
 * `text` and `value`) picks what is kept; duplicates are removed.
 */
export function applyVariableRegex(values: string[], regex: string | undefined): VariableOption[] {
  const re = parseRegex(regex);
  const out: VariableOption[] = [];
  const seen = new Set<string>();
  for (const raw of values) {
    let text = raw;
    let value = raw;
    if (re) {
      const m = re.exec(raw);
      if (!m) continue;
      const g = m.groups;
      if (g && (g.text !== undefined || g.value !== undefined)) {
        text = g.text ?? g.value!;
        value = g.value ?? g.text!;
      } else {
        text = value = m.length > 1 ? (m.slice(1).find((x) => x !== undefined) ?? m[0]) : m[0];
      }
    }
    if (seen.has(value)) continue;
    seen.add(value);
    out.push({ text, value });
  }
  return out;
}

const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const numberIn = (s: string) => {
  const m = /-?\d+(\.\d+)?/.exec(s);
  return m ? parseFloat(m[0]) : Number.NaN;
};

/** Grafana's sort orders: 1/2 alphabetical, 3/4 numerical, 5/6 alphabetical case-insensitive, 7/8 natural (odd ascending). */
export function sortOptions(options: VariableOption[], sort: number | undefined): VariableOption[] {
  if (!sort) return options;
  const out = [...options];
  const kind = Math.ceil(sort / 2);
  const cmp =
    kind === 2
      ? (a: VariableOption, b: VariableOption) => {
          const x = numberIn(a.text);
          const y = numberIn(b.text);
          return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : x - y;
        }
      : kind === 3
        ? (a: VariableOption, b: VariableOption) => a.text.toLowerCase().localeCompare(b.text.toLowerCase())
        : kind === 4
          ? (a: VariableOption, b: VariableOption) => natural.compare(a.text, b.text)
          : (a: VariableOption, b: VariableOption) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
  out.sort(cmp);
  if (sort % 2 === 0) out.reverse();
  return out;
}

/** A custom variable's `a, b, c` or `key : value` list (commas inside `\,` kept). */
export function customOptions(query: string): VariableOption[] {
  return query
    .split(/(?<!\\),/)
    .map((s) => s.replace(/\\,/g, ',').trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(.+?)\s+:\s+(.+)$/.exec(s);
      return m ? { text: m[1]!, value: m[2]! } : { text: s, value: s };
    });
}

/** An interval variable's options; with `auto`, an `auto` option first. */
export function intervalOptions(v: VariableModel): VariableOption[] {
  const opts = customOptions(typeof v.query === 'string' ? v.query : '');
  return v.auto ? [{ text: 'auto', value: '$__auto_interval_' + v.name }, ...opts] : opts;
}

/**
 * The current selection: values from the URL when they exist among the options (or All), else the saved
 * `current` when still valid, else the first option (All for an includeAll variable, as Grafana lists it first).
 */
export function chooseCurrent(v: VariableModel, options: VariableOption[], fromUrl: string[] | undefined): { values: string[]; isAll: boolean } {
  const valid = new Set(options.map((o) => o.value));
  const wanted = (list: string[]): { values: string[]; isAll: boolean } | undefined => {
    if (list.length === 0) return undefined;
    if (v.includeAll && list.some((x) => x === '$__all' || x === 'All')) return { values: ['$__all'], isAll: true };
    // a textbox or a value list fetched without those values yet (custom all value) is kept as asked
    const mapped = options.length === 0 ? list : list.filter((x) => valid.has(x) || options.some((o) => o.text === x)).map((x) => (valid.has(x) ? x : options.find((o) => o.text === x)!.value));
    if (mapped.length === 0) return undefined;
    return { values: v.multi ? mapped : [mapped[0]!], isAll: false };
  };
  const saved = v.current?.value;
  return (
    (fromUrl && wanted(fromUrl)) ??
    wanted(saved === undefined ? [] : Array.isArray(saved) ? saved : [saved]) ??
    (v.includeAll ? { values: ['$__all'], isAll: true } : options.length > 0 ? { values: [options[0]!.value], isAll: false } : { values: [], isAll: false })
  );
}
