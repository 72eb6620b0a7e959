import type { DatasourceRow } from './datasource-store.js';

/** Request headers every upstream call of a datasource carries: basic auth and `httpHeaderName<N>` custom headers. */
export function upstreamHeaders(ds: DatasourceRow, secrets: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': 'Sightline-UI' };
  if (ds.basic_auth === 1) {
    h.authorization = 'Basic ' + Buffer.from(`${ds.basic_auth_user}:${secrets.basicAuthPassword ?? ''}`).toString('base64');
  }
  const json = JSON.parse(ds.json_data) as Record<string, unknown>;
  for (let i = 1; i < 100; i++) {
    const name = json[`httpHeaderName${i}`];
    if (typeof name !== 'string' || name === '') break;
    h[name.toLowerCase()] = secrets[`httpHeaderValue${i}`] ?? '';
  }
  return h;
}

/** The upstream URL of a proxied request and its path below the datasource's base, as the upstream will see it. */
export interface UpstreamTarget {
  url: URL;
  /** The resolved path below the base (no leading slash): what the method/path allow-list must judge. */
  subPath: string;
}

/**
 * Join a datasource base URL and a sub-path as the client encoded it. The WHATWG URL parser (and the upstream
 * behind it) reads `\` as `/`, `#` as the start of a fragment and `.`/`..`/`%2e%2e` as dot segments, so the
 * path is resolved first and the result judged: anything that climbs out of the base, or that the upstream could
 * read differently from us (backslashes, fragments, encoded slashes or backslashes, `;` path parameters, empty
 * segments, control characters), is refused — never silently rewritten into another endpoint.
 */
export function upstreamUrl(base: string, subPath: string, search: string): URL {
  return upstreamTarget(base, subPath, search).url;
}

export function upstreamTarget(base: string, subPath: string, search: string): UpstreamTarget {
  const raw = subPath.replace(/^\/+/, '');
  // eslint-disable-next-line no-control-regex -- control characters in a request path are refused on purpose
  if (/[\\#;\x00-\x1f\x7f]|%(2f|5c|23|3b|00)|\/\/|(^|\/)(\.|%2e){1,2}(\/|$)/i.test(raw)) throw new Error('invalid proxy path');
  const b = new URL(base.replace(/\/+$/, '') + '/');
  const u = new URL(raw, b);
  if (u.origin !== b.origin || !u.pathname.startsWith(b.pathname)) throw new Error('invalid proxy path');
  const resolved = u.pathname.slice(b.pathname.length);
  const segments = resolved.split('/');
  if (segments.some((seg) => seg === '..' || seg === '.' || decodeURIComponentSafe(seg).includes('/') || decodeURIComponentSafe(seg) === '..')) {
    throw new Error('invalid proxy path');
  }
  u.search = search;
  u.hash = '';
  return { url: u, subPath: resolved };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Timeout of upstream calls: `jsonData.timeout` (seconds) or the configured default. */
export function upstreamTimeoutMs(ds: DatasourceRow, fallbackMs: number): number {
  const t = Number((JSON.parse(ds.json_data) as Record<string, unknown>).timeout);
  return Number.isFinite(t) && t > 0 ? t * 1000 : fallbackMs;
}
