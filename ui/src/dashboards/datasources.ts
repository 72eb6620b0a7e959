/** Which datasource a panel, query or variable uses, and the Prometheus/Loki calls they need (through the proxy). */
import { apiFetch, proxyPath, type Datasource } from '../lib/api';
import { parsePromDuration } from '../lib/time';
import { interpolate, type VariableValue } from './interpolate';
import type { DatasourceRef } from './model';

export class DashboardQueryError extends Error {
  override name = 'DashboardQueryError';
}

/**
 * Resolve a reference (`{type, uid}`, a name or uid string, `$var`/`${var}`, or null for the default) against the
 * datasources. A reference left as an unmapped import input (`${DS_PROMETHEUS}`) falls back to the default
 * datasource of its type, as Grafana does when the variable does not exist.
 */
export function resolveDatasource(ref: DatasourceRef | string | null | undefined, list: Datasource[], vars: ReadonlyMap<string, VariableValue>): Datasource {
  const byType = (type: string | undefined) => (type ? (list.find((d) => d.type === type && d.isDefault) ?? list.find((d) => d.type === type)) : undefined);
  const fallback = () => list.find((d) => d.isDefault) ?? list[0];
  if (ref === null || ref === undefined || ref === '' || ref === 'default') {
    const d = fallback();
    if (!d) throw new DashboardQueryError('No datasource configured');
    return d;
  }
  const raw = typeof ref === 'string' ? ref : (ref.uid ?? '');
  const type = typeof ref === 'string' ? undefined : ref.type;
  if (raw === '') {
    const d = byType(type) ?? fallback();
    if (!d) throw new DashboardQueryError('No datasource configured');
    return d;
  }
  const key = interpolate(raw, vars, { defaultFormat: 'raw' });
  const found = list.find((d) => d.uid === key) ?? list.find((d) => d.name === key);
  if (found) return found;
  if (key.startsWith('$')) {
    const d = byType(type);
    if (d) return d;
  }
  throw new DashboardQueryError(`Datasource ${key} was not found`);
}

/** The datasource's scrape interval (`jsonData.timeInterval`), Grafana's 15 s when unset. */
export const scrapeIntervalMs = (ds: Datasource) => parsePromDuration(String(ds.jsonData.timeInterval ?? '')) ?? 15_000;

/** GET a Prometheus/Loki JSON API path through the datasource proxy; answers its `data`. */
export async function proxyGet<T>(ds: Datasource, path: string, params: Record<string, string | string[]>): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  const body = await apiFetch<{ status?: string; data?: T; error?: string }>(`${proxyPath(ds.uid)}${path}?${q}`);
  if (body?.status !== undefined && body.status !== 'success') throw new DashboardQueryError(body.error ?? 'query failed');
  return body.data as T;
}
