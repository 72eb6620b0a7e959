import { parse as parseYamlScalar } from 'yaml';

/** A reference the Collector's config expansion cannot resolve (unset variable, unsupported scheme). */
export class ExpansionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExpansionError';
  }
}

const REF = /\$\$|\$\{(?:(env):)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([a-z][a-z0-9+.-]*):([^}]*)\}/g;

function expandString(s: string, env: NodeJS.ProcessEnv, path: string): unknown {
  let whole: string | undefined;
  let matchedAll = false;
  const out = s.replace(REF, (all: string, _env: string | undefined, name: string | undefined, def: string | undefined, scheme: string | undefined, _rest: string, offset: number) => {
    if (all === '$$') return '$';
    if (scheme !== undefined) throw new ExpansionError(path, `unsupported config provider scheme ${JSON.stringify(scheme)} in ${all} (supported: env)`);
    const v = env[name!] ?? def ?? '';
    if (offset === 0 && all.length === s.length) {
      matchedAll = true;
      whole = v;
    }
    return v;
  });
  // A value that is exactly one reference takes the type its text has in YAML (`${env:PORT}` → a number).
  if (matchedAll && whole !== undefined) {
    if (whole === '') return '';
    try {
      const v: unknown = parseYamlScalar(whole);
      return typeof v === 'object' && v !== null ? whole : v;
    } catch {
      return whole;
    }
  }
  return out;
}

/**
 * The Collector's configuration expansion on parsed YAML values: `${env:VAR}`, `${VAR}`, `${env:VAR:-default}` /
 * `${VAR:-default}`, and `$$` for a literal `$`. An unset variable without a default becomes an empty string (as
 * the Collector does); an unsupported provider scheme (`${file:...}`) is refused with its YAML path.
 */
export function expandCollectorConfig(v: unknown, env: NodeJS.ProcessEnv = process.env, path = ''): unknown {
  if (typeof v === 'string') return v.includes('$') ? expandString(v, env, path) : v;
  if (Array.isArray(v)) return v.map((x, i) => expandCollectorConfig(x, env, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = expandCollectorConfig(x, env, path === '' ? k : `${path}.${k}`);
    return out;
  }
  return v;
}
