import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliOutput } from './tokens.js';

const EXPORT_USAGE = `usage: sightline export dashboards DIR [--url URL] [--user USER]

  Writes every dashboard the account can read as Grafana JSON, one file per dashboard: DIR/<uid>.json for the
  General folder, DIR/<folder title>/<uid>.json for the others (the layout a file provider with
  foldersFromFilesStructure reads back, and what /api/dashboards/import takes).

  --url    the UI's address (default $SIGHTLINE_URL, else http://localhost:3000)
  --user   basic-auth user (default $SIGHTLINE_USER, else admin); the password from $SIGHTLINE_PASSWORD
  A service-account token in $SIGHTLINE_TOKEN is used instead of a user and password.
`;

/** Grafana's search answers at most this many hits per request. */
const SEARCH_LIMIT = 5000;

interface SearchHit {
  uid: string;
  title: string;
  type: string;
  folderTitle?: string;
}

class ExportError extends Error {}

/** A folder title as one path segment: no separators, no `.`/`..`, nothing empty. */
function folderDir(title: string): string {
  const s = title.replace(/[/\\\0]/g, '_').trim();
  return s === '' || s === '.' || s === '..' ? '_' : s;
}

/**
 * `sightline export dashboards DIR`: the guide's dashboard backup, over the HTTP API (`/api/search`, then
 * `/api/dashboards/uid/:uid` for each), so it runs against a local or a remote server alike. The files hold the
 * dashboard model with `id` null, as Grafana's "Export" does. Exit 0 on success, 1 on a server or file error,
 * 2 on a usage error.
 */
export async function runExport(argv: string[], out: CliOutput, env: NodeJS.ProcessEnv = process.env, fetchFn: typeof fetch = fetch): Promise<number> {
  const [what, ...rest] = argv;
  if (what !== 'dashboards') return usage(out, what === undefined ? 'missing what to export' : `cannot export "${what}"`);
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { url: { type: 'string' }, user: { type: 'string' } }, strict: true, allowPositionals: true }));
  } catch (e) {
    return usage(out, (e as Error).message);
  }
  if (positionals.length !== 1) return usage(out, positionals.length === 0 ? 'missing DIR' : 'one DIR only');
  const dir = positionals[0]!;
  const base = (values.url ?? env.SIGHTLINE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (env.SIGHTLINE_TOKEN) headers.authorization = `Bearer ${env.SIGHTLINE_TOKEN}`;
  else if (env.SIGHTLINE_PASSWORD !== undefined) headers.authorization = `Basic ${Buffer.from(`${values.user ?? env.SIGHTLINE_USER ?? 'admin'}:${env.SIGHTLINE_PASSWORD}`).toString('base64')}`;

  const get = async (path: string): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetchFn(base + path, { headers });
    } catch (e) {
      throw new ExportError(`${base}${path}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
      } catch {
        /* not JSON: the text as it came */
      }
      throw new ExportError(`${path}: ${res.status} ${message}`);
    }
    return JSON.parse(text) as unknown;
  };

  try {
    const hits = ((await get(`/api/search?type=dash-db&limit=${SEARCH_LIMIT}`)) as SearchHit[]).filter((h) => h.type === 'dash-db');
    if (hits.length === SEARCH_LIMIT) out.stderr(`sightline export: warning: the search answered its limit of ${SEARCH_LIMIT}; some dashboards may be missing\n`);
    mkdirSync(dir, { recursive: true });
    for (const hit of hits) {
      const got = (await get(`/api/dashboards/uid/${encodeURIComponent(hit.uid)}`)) as { dashboard: Record<string, unknown> };
      const folder = hit.folderTitle ? join(dir, folderDir(hit.folderTitle)) : dir;
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${hit.uid}.json`), `${JSON.stringify({ ...got.dashboard, id: null }, null, 2)}\n`);
    }
    out.stdout(`exported ${hits.length} dashboard${hits.length === 1 ? '' : 's'} to ${dir}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ExportError) && !(e instanceof SyntaxError) && !(e as NodeJS.ErrnoException).code) throw e;
    out.stderr(`sightline export: ${(e as Error).message}\n`);
    return 1;
  }
}

function usage(out: CliOutput, message: string): number {
  out.stderr(`sightline export: ${message}\n\n${EXPORT_USAGE}`);
  return 2;
}
