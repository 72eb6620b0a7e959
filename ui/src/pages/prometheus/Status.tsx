import { proxyPath, type Datasource } from '../../lib/api';
import { formatDateTime } from '../../lib/time';
import { useApi } from '../../lib/use-fetch';
import { KeyValueTable } from './KeyValueTable';
import { PrometheusPage } from './PrometheusPage';

/** Runtime information's RFC 3339 times shown as local date-times; the rest as the API gives it. */
function runtimeValue(key: string, v: unknown): string {
  if ((key === 'startTime' || key === 'lastConfigTime' || key === 'serverTime') && typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? formatDateTime(ms) : v;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function BuildInfo(props: { ds: Datasource }) {
  const { data, error } = useApi<{ data: Record<string, unknown> }>(`${proxyPath(props.ds.uid)}/api/v1/status/buildinfo`);
  if (error) return <div className="alert error" role="alert">{error}</div>;
  return data ? <KeyValueTable data={data.data} testId="buildinfo" label="Build information" /> : <div className="muted">Loading…</div>;
}

/** Prometheus's Status page: runtime information (`status/runtimeinfo`) and build information (`status/buildinfo`). */
export function StatusPage() {
  return (
    <PrometheusPage<Record<string, unknown>> title="Runtime & build information" api="status/runtimeinfo" testId="status-page">
      {(d, ds) => (
        <>
          <h3>Runtime information</h3>
          <KeyValueTable data={d} testId="runtimeinfo" label="Runtime information" format={runtimeValue} />
          <h3>Build information</h3>
          <BuildInfo ds={ds} />
        </>
      )}
    </PrometheusPage>
  );
}
