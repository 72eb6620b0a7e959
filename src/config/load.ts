import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError } from './errors.js';

/**
 * Expand `${VAR}` and `${VAR:-default}` from the environment. Only names that start with a letter or `_`
 * are expanded, so regex references such as `${1}` survive. `$${X}` escapes to a literal `${X}`.
 * An unset variable without a default is an error: a missing secret must not become an empty string silently.
 */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, file: string): string {
  return text.replace(/(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (all, escape: string, name: string, def?: string) => {
    if (escape === '$') return all.slice(1);
    const v = env[name];
    if (v !== undefined) return v;
    if (def !== undefined) return def;
    throw new ConfigError(file, '', `environment variable ${name} is not set (referenced as \${${name}})`);
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** Validate parsed YAML against a zod schema, throwing a ConfigError that names the first bad path. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, file: string): z.output<S> {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  let path = issue.path;
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...issue.path, issue.keys[0]];
    reason = `unknown key ${JSON.stringify(issue.keys[0])}`;
  }
  throw new ConfigError(file, formatPath(path), reason);
}

export interface LoadOptions {
  expandEnv?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Parse YAML text and validate it. */
export function parseYamlConfig<S extends z.ZodType>(schema: S, text: string, file: string, opts: LoadOptions = {}): z.output<S> {
  const src = opts.expandEnv ? expandEnv(text, opts.env ?? process.env, file) : text;
  const doc = parseDocument(src, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new ConfigError(file, pos ? `line ${pos.line} column ${pos.col}` : '', e.message.split('\n')[0]);
  }
  return validate(schema, doc.toJS(), file);
}

export function loadYamlConfig<S extends z.ZodType>(schema: S, file: string, opts: LoadOptions = {}): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read file: ${(e as Error).message}`);
  }
  return parseYamlConfig(schema, text, file, opts);
}
