import { compileRegex, replaceAll } from '../../lib/regex/index.js';
import type { Labels } from '../../model/index.js';
import { queryEscape } from '../query-escape.js';
import { BUILTIN_FUNCS, InterfaceMap, executeAsync, formatFloat, formatGoTime, parseTemplate, sprintf, type ParsedTemplate, type TemplateFunc } from '../../lib/go-template/index.js';

/**
 * Prometheus's template expander (`template.NewTemplateExpander`): Go text/template with Prometheus's functions —
 * `query`, `first`, `label`, `value`, `strvalue`, `sortByLabel`, `humanize`, `humanize1024`, `humanizeDuration`,
 * `humanizePercentage`, `humanizeTimestamp`, `toTime`, `title`, `toUpper`, `toLower`, `match`, `reReplaceAll`,
 * `args`, `safeHtml`, `graphLink`, `tableLink`, `externalURL`, `pathPrefix`, `parseDuration`, `stripPort`,
 * `stripDomain` — plus Go's builtins.
 */

/** One element of a `query` result, as templates see it (`.Labels`, `.Value`). */
export interface TemplateSample {
  Labels: Map<string, string>;
  Value: number;
}

/** Runs an instant query for `query` in templates; `ts` is the evaluation time (ms). */
export type TemplateQueryFunc = (expr: string, ts: number) => Promise<{ labels: Labels; v: number }[]>;

export function labelsToMap(l: Labels): Map<string, string> {
  const m = new Map<string, string>();
  l.forEach((n, v) => m.set(n, v));
  return m;
}

function parseGoFloat(s: string): number {
  const t = s.trim() === s ? s : '';
  const lower = t.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower === 'nan') return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || /^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return Number(t);
  throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
}

function convertToFloat(i: unknown): number {
  if (typeof i === 'number') return i;
  if (typeof i === 'bigint') return Number(i);
  if (typeof i === 'string') return parseGoFloat(i);
  throw new Error(`can't convert ${i === null || i === undefined ? '<nil>' : typeof i} to float`);
}

const g4 = (v: number) => formatFloat(v, 'g', 4);

export function humanize(v: number): string {
  if (v === 0 || Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

export function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v) + 's';
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    const d = Math.trunc(v);
    const seconds = d % 60;
    const minutes = Math.trunc(d / 60) % 60;
    const hours = Math.trunc(d / 3600) % 24;
    const days = Math.trunc(d / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

function floatToTime(v: number): Date {
  if (Number.isNaN(v) || !Number.isFinite(v)) throw new Error('value is NaN or Inf');
  return new Date(v * 1000);
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}'_])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function queryLink(expr: string, tab: number): string {
  return `/graph?g0.expr=${queryEscape(expr)}&g0.tab=${tab}`;
}

function splitHostPort(hostPort: string): string {
  const m = /^\[([^\]]*)\]:[^:]*$/.exec(hostPort) ?? /^([^:]*):[^:]*$/.exec(hostPort);
  return m ? m[1] : hostPort;
}

/** The names a Prometheus template can call (for parse-time checks). */
function prometheusFuncs(opts: ExpanderOptions): Record<string, TemplateFunc> {
  const asSample = (s: unknown): TemplateSample => {
    if (s && typeof s === 'object' && 'Labels' in s) return s as TemplateSample;
    throw new Error('invalid sample');
  };
  return {
    query: async (q) => {
      if (!opts.query) throw new Error('no query function');
      const res = await opts.query(String(q), opts.time);
      return res.map((s) => ({ Labels: labelsToMap(s.labels), Value: s.v }));
    },
    first: (v) => {
      if (Array.isArray(v) && v.length > 0) return v[0];
      throw new Error('first() called on vector with no elements');
    },
    label: (name, s) => (s ? (asSample(s).Labels.get(String(name)) ?? '') : ''),
    value: (s) => asSample(s).Value,
    strvalue: (s) => asSample(s).Labels.get('__value__') ?? '',
    args: (...a) => {
      const m = new InterfaceMap();
      a.forEach((v, i) => m.set(`arg${i}`, v));
      return m;
    },
    reReplaceAll: (pattern, repl, text) => replaceAll(compileRegex(String(pattern), { dotAll: false }), String(text), String(repl)),
    safeHtml: (s) => String(s),
    match: (pattern, s) => compileRegex(String(pattern), { dotAll: false }).test(String(s)),
    title: (s) => title(String(s)),
    toUpper: (s) => String(s).toUpperCase(),
    toLower: (s) => String(s).toLowerCase(),
    graphLink: (e) => queryLink(String(e), 0),
    tableLink: (e) => queryLink(String(e), 1),
    sortByLabel: (name, v) => {
      if (!Array.isArray(v)) return v;
      const out = [...(v as TemplateSample[])];
      out.sort((a, b) => {
        const x = a.Labels.get(String(name)) ?? '';
        const y = b.Labels.get(String(name)) ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
      return out;
    },
    humanize: (i) => humanize(convertToFloat(i)),
    humanize1024: (i) => humanize1024(convertToFloat(i)),
    humanizeDuration: (i) => humanizeDuration(convertToFloat(i)),
    humanizePercentage: (i) => `${g4(convertToFloat(i) * 100)}%`,
    humanizeTimestamp: (i) => {
      const v = convertToFloat(i);
      if (Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
      return formatGoTime(floatToTime(v));
    },
    toTime: (i) => floatToTime(convertToFloat(i)),
    pathPrefix: () => {
      try {
        return new URL(opts.externalURL).pathname.replace(/\/$/, '');
      } catch {
        return '';
      }
    },
    externalURL: () => opts.externalURL,
    parseDuration: (d) => {
      const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(String(d));
      if (!m || String(d) === '') throw new Error(`not a valid duration string: ${JSON.stringify(d)}`);
      const u = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];
      let s = 0;
      for (let k = 0; k < u.length; k++) if (m[k + 1] !== undefined) s += Number(m[k + 1]) * u[k];
      return s;
    },
    stripPort: (hp) => splitHostPort(String(hp)),
    stripDomain: (hp) => {
      const s = String(hp);
      const hostPort = /^(.*)(:\d+)$/.exec(s);
      const host = hostPort ? hostPort[1] : s;
      const port = hostPort ? hostPort[2] : '';
      if (/^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[')) return s;
      return host.split('.')[0] + port;
    },
    printf: (f, ...a) => sprintf(String(f), a),
  };
}

export interface ExpanderOptions {
  /** Evaluation time (ms) for `query`. */
  time: number;
  query?: TemplateQueryFunc;
  externalURL: string;
}

const FUNC_NAMES = new Set([...Object.keys(BUILTIN_FUNCS), ...Object.keys(prometheusFuncs({ time: 0, externalURL: '' }))]);

/** Parses a template (Go's parse-time checks: syntax, defined functions, declared variables). Throws `TemplateError`. */
export function parsePrometheusTemplate(name: string, text: string): ParsedTemplate {
  return parseTemplate(name, text, FUNC_NAMES);
}

/** Expands a template; parse and execution errors are thrown with Prometheus's wording. */
export async function expandPrometheusTemplate(name: string, text: string, data: unknown, opts: ExpanderOptions): Promise<string> {
  let t: ParsedTemplate;
  try {
    t = parsePrometheusTemplate(name, text);
  } catch (e) {
    throw new Error(`error parsing template ${name}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await executeAsync(t, data, prometheusFuncs(opts));
  } catch (e) {
    throw new Error(`error executing template ${name}: ${(e as Error).message}`, { cause: e });
  }
}

/** The variables Prometheus defines before an alert's label or annotation template. */
export const ALERT_TEMPLATE_DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** Prometheus's `AlertTemplateData`. */
export function alertTemplateData(labels: Labels, externalLabels: Labels, externalURL: string, value: number): Record<string, unknown> {
  return { Labels: labelsToMap(labels), ExternalLabels: labelsToMap(externalLabels), ExternalURL: externalURL, Value: value };
}
