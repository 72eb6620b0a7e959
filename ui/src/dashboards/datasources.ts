/** The Prometheus/Loki calls dashboards make through the datasource proxy. */
import { apiFetch, proxyPath, type Datasource } from '../lib/api';
import { parsePromDuration } from '../lib/time';
import { DashboardQueryError } from './datasource-ref';

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
