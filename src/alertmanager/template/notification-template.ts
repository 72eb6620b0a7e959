import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { compileUnanchored, replaceAll } from '../../lib/regex/index.js';
import type { TemplateData } from '../notify/template-data.js';
import { DEFAULT_TEMPLATES } from './default-templates.js';
import { KV, TemplateError, TemplateSet, printValue, truthy, type TemplateFunc } from './go-template.js';

const len = (v: unknown): number => {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v instanceof KV) return v.pairs.length;
  if (typeof v === 'object') return Object.keys(v).length;
  throw new TemplateError(`len of type ${typeof v}`);
};

const cmp = (a: unknown, b: unknown): number => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError('incompatible types for comparison');
};

/** Go's `fmt.Sprintf` for the verbs templates use: %s %v %d %f %q %%. */
function sprintf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([svdfgqxt%])/g, (_m, _flags: string, _w: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    switch (verb) {
      case 'd':
        return String(Math.trunc(Number(a)));
      case 'f':
        return Number(a).toFixed(prec === undefined ? 6 : Number(prec));
      case 'g':
        return String(Number(a));
      case 'q':
        return JSON.stringify(printValue(a));
      case 'x':
        return typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex');
      default:
        return printValue(a);
    }
  });
}

/** Alertmanager's template function map (Go's builtins plus `toUpper`, `join`, `safeHtml`, `reReplaceAll`, ...). */
export const FUNCS: Record<string, TemplateFunc> = {
  toUpper: (s) => String(s).toUpperCase(),
  toLower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  trimSpace: (s) => String(s).trim(),
  join: (sep, list) => (list as unknown[]).map(printValue).join(String(sep)),
  match: (re, s) => compileUnanchored(String(re)).test(String(s)),
  reReplaceAll: (re, repl, s) => replaceAll(compileUnanchored(String(re)), String(s), String(repl)),
  safeHtml: (s) => String(s),
  stringSlice: (...s) => s.map(String),
  len,
  index: (v, ...keys) => keys.reduce<unknown>((cur, k) => (cur instanceof KV ? cur.get(String(k)) : (cur as Record<string, unknown>)?.[k as string]), v),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => cmp(a, b) < 0,
  le: (a, b) => cmp(a, b) <= 0,
  gt: (a, b) => cmp(a, b) > 0,
  ge: (a, b) => cmp(a, b) >= 0,
  and: (...xs) => xs.find((x) => !truthy(x)) ?? xs[xs.length - 1],
  or: (...xs) => xs.find((x) => truthy(x)) ?? xs[xs.length - 1],
  not: (x) => !truthy(x),
  print: (...xs) => xs.map(printValue).join(''),
  println: (...xs) => `${xs.map(printValue).join(' ')}\n`,
  printf: (f, ...xs) => sprintf(String(f), ...xs),
  urlquery: (...xs) => encodeURIComponent(xs.map(printValue).join('')).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  html: (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
  js: (s) => JSON.stringify(String(s)).slice(1, -1),
};

/** A Go time printed as `time.Time.String()` does (UTC). */
class GoTime {
  constructor(readonly iso: string) {}
  toString(): string {
    if (this.iso.startsWith('0001-')) return '0001-01-01 00:00:00 +0000 UTC';
    return `${this.iso.replace('T', ' ').replace('Z', '')} +0000 UTC`;
  }
}

/** The data a template sees: Alertmanager's `template.Data` with its Go field names and methods. */
export function goTemplateData(d: TemplateData): Record<string, unknown> {
  const alerts = d.alerts.map((a) => ({
    Status: a.status,
    Labels: new KV(a.labels),
    Annotations: new KV(a.annotations),
    StartsAt: new GoTime(a.startsAt),
    EndsAt: new GoTime(a.endsAt),
    GeneratorURL: a.generatorURL,
    Fingerprint: a.fingerprint,
  }));
  const withMethods = (list: typeof alerts) =>
    Object.assign(list, {
      Firing: () => withMethods(list.filter((a) => a.Status === 'firing')),
      Resolved: () => withMethods(list.filter((a) => a.Status === 'resolved')),
    });
  return {
    Receiver: d.receiver,
    Status: d.status,
    Alerts: withMethods(alerts),
    GroupLabels: new KV(d.groupLabels),
    CommonLabels: new KV(d.commonLabels),
    CommonAnnotations: new KV(d.commonAnnotations),
    ExternalURL: d.externalURL,
  };
}

function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n)).sort().map((n) => join(dir, n));
}

/** The default templates plus the user's `templates:` files; expands notification fields. */
export class NotificationTemplate {
  private readonly set = new TemplateSet(FUNCS);
  private readonly parsed = new Map<string, string>();

  constructor(templateGlobs: readonly string[] = []) {
    this.set.parse('__default', DEFAULT_TEMPLATES);
    for (const g of templateGlobs) for (const f of globFiles(g)) this.set.parse(f, readFileSync(f, 'utf8'));
  }

  /** Alertmanager's `ExecuteTextString`: parse `text` against the defined templates and run it on the data. */
  expand(text: string | undefined, data: Record<string, unknown>): string {
    if (!text) return '';
    let name = this.parsed.get(text);
    if (!name) {
      name = `__inline_${this.parsed.size}`;
      this.set.parse(name, text);
      this.parsed.set(text, name);
    }
    return this.set.execute(name, data);
  }
}
