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

/** Join a datasource base URL and a sub-path, refusing paths that climb out of the base (`..`). */
export function upstreamUrl(base: string, subPath: string, search: string): URL {
  const segments = subPath.split('/');
  if (segments.some((s) => s === '..' || s === '.' || decodeURIComponentSafe(s).includes('/') || decodeURIComponentSafe(s) === '..')) {
    throw new Error('invalid proxy path');
  }
  const b = base.replace(/\/+$/, '');
  const u = new URL(`${b}/${subPath.replace(/^\/+/, '')}`);
  u.search = search;
  return u;
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
