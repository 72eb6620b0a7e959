import type { DatasourceRow } from './datasource-store.js';
import { upstreamHeaders, upstreamUrl } from './upstream.js';
import { DatasourceUrlError, DatasourceUrlPolicy } from './url-policy.js';

export interface HealthResult {
  status: 'OK' | 'ERROR';
  message: string;
}

/**
 * One health call. Redirects are not followed (as the proxy does not): the datasource's credentials and custom
 * headers would go to wherever the redirect points.
 */
async function callOnce(ds: DatasourceRow, secrets: Record<string, string>, path: string, search: string, timeoutMs: number, policy: DatasourceUrlPolicy): Promise<{ status: number; body: string }> {
  await policy.check(ds.url);
  const res = await fetch(upstreamUrl(ds.url, path, search), { headers: upstreamHeaders(ds, secrets), signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    return { status: res.status, body: `redirect to ${res.headers.get('location') ?? '(no location)'} not followed` };
  }
  return { status: res.status, body: await res.text() };
}

function errorDetail(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: string; message?: string };
    return j.error ?? j.message ?? body.trim();
  } catch {
    return body.trim().slice(0, 500);
  }
}

/** "Save & test": ask the datasource's own API whether it answers, the way Grafana's datasource plugins do. */
export async function checkDatasourceHealth(ds: DatasourceRow, secrets: Record<string, string>, timeoutMs: number, policy: DatasourceUrlPolicy = new DatasourceUrlPolicy()): Promise<HealthResult> {
  if (!ds.url) return { status: 'ERROR', message: 'URL is empty' };
  const call = (path: string, search: string) => callOnce(ds, secrets, path, search, timeoutMs, policy);
  try {
    switch (ds.type) {
      case 'prometheus': {
        const r = await call('api/v1/query', `?query=${encodeURIComponent('1+1')}&time=${Date.now() / 1000}`);
        if (r.status === 200 && (JSON.parse(r.body) as { status?: string }).status === 'success') return { status: 'OK', message: 'Successfully queried the Prometheus API.' };
        return { status: 'ERROR', message: `There was an error returned querying the Prometheus API. ${r.status}: ${errorDetail(r.body)}` };
      }
      case 'loki': {
        const now = Date.now() * 1e6;
        const r = await call('loki/api/v1/labels', `?start=${now - 600e9}&end=${now}`);
        if (r.status === 200) return { status: 'OK', message: 'Data source successfully connected.' };
        return { status: 'ERROR', message: `Unable to connect with Loki. ${r.status}: ${errorDetail(r.body)}` };
      }
      case 'tempo': {
        const r = await call('api/echo', '');
        if (r.status === 200) return { status: 'OK', message: 'Data source is working' };
        return { status: 'ERROR', message: `Unable to connect with Tempo. ${r.status}: ${errorDetail(r.body)}` };
      }
      case 'alertmanager': {
        const r = await call('api/v2/status', '');
        if (r.status === 200) return { status: 'OK', message: 'Health check passed.' };
        return { status: 'ERROR', message: `Unable to reach the Alertmanager API. ${r.status}: ${errorDetail(r.body)}` };
      }
      default:
        return { status: 'ERROR', message: `no health check for datasource type ${ds.type}` };
    }
  } catch (e) {
    const err = e as Error & { cause?: Error };
    if (err instanceof DatasourceUrlError) return { status: 'ERROR', message: err.message };
    const why = err.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (err.cause?.message ?? err.message);
    return { status: 'ERROR', message: `Unable to reach ${ds.url}: ${why}` };
  }
}
