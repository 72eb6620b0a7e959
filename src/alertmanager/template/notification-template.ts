import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';
import { compileUnanchored, replaceAll } from '../../lib/regex/index.js';
import type { TemplateData } from '../notify/template-data.js';
import { DEFAULT_TEMPLATES } from './default-templates.js';
import { TemplateSet, sprintValue, type TemplateFunc } from '../../lib/go-template/index.js';
import { KV } from './kv.js';

/** Alertmanager's template functions beside Go's builtins: `toUpper`, `join`, `safeHtml`, `reReplaceAll`, ... */
export const FUNCS: Record<string, TemplateFunc> = {
  toUpper: (s) => String(s).toUpperCase(),
  toLower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  trimSpace: (s) => String(s).trim(),
  join: (sep, list) => (list as unknown[]).map(sprintValue).join(String(sep)),
  match: (re, s) => compileUnanchored(String(re)).test(String(s)),
  reReplaceAll: (re, repl, s) => replaceAll(compileUnanchored(String(re)), String(s), String(repl)),
  safeHtml: (s) => String(s),
  stringSlice: (...s) => s.map(String),
};

/** The data a template sees: Alertmanager's `template.Data` with its Go field names and methods. */
export function goTemplateData(d: TemplateData): Record<string, unknown> {
  const alerts = d.alerts.map((a) => ({
    Status: a.status,
    Labels: new KV(a.labels),
    Annotations: new KV(a.annotations),
    StartsAt: new Date(a.startsAt),
    EndsAt: new Date(a.endsAt),
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

/** A `templates:` glob (`*`, `?` and `[...]` in the last path element) as an anchored regular expression. */
function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
}

function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  const re = globRegExp(base);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n)).sort().map((n) => join(dir, n));
}

/** A template file's name and text. */
export interface TemplateFile {
  name: string;
  text: string;
}

/** Where the `templates:` patterns of a configuration are looked up (the files matching one pattern, sorted). */
export type TemplateFileSource = (pattern: string) => TemplateFile[];

/** Alertmanager's: `templates:` globs name files on disk. */
export const diskTemplateFiles: TemplateFileSource = (pattern) => globFiles(pattern).map((f) => ({ name: f, text: readFileSync(f, 'utf8') }));

/**
 * Mimir's per-tenant templates: the `template_files` uploaded with the tenant's configuration, `templates:` globs
 * matched against their names. A pattern reaching outside the tenant's files (absolute, `..`) is refused as Mimir
 * refuses it; nothing on disk is read, so a tenant sees only its own templates.
 */
export function uploadedTemplateFiles(files: Readonly<Record<string, string>>): TemplateFileSource {
  return (pattern) => {
    const p = posix.normalize(pattern);
    if (isAbsolute(pattern) || p === '..' || p.startsWith('../')) {
      throw new Error(`invalid template name ${JSON.stringify(pattern)}: the template filepath is escaping the per-tenant local directory`);
    }
    const re = globRegExp(p);
    return Object.keys(files).filter((n) => re.test(posix.normalize(n))).sort().map((n) => ({ name: n, text: files[n]! }));
  };
}

/** The default templates plus the user's `templates:` files; expands notification fields. */
export class NotificationTemplate {
  private readonly set = new TemplateSet(FUNCS);
  private readonly parsed = new Map<string, string>();

  constructor(templateGlobs: readonly string[] = [], source: TemplateFileSource = diskTemplateFiles) {
    this.set.parse('__default', DEFAULT_TEMPLATES);
    for (const g of templateGlobs) for (const f of source(g)) this.set.parse(f.name, f.text);
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
