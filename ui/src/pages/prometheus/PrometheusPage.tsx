import { useEffect, useState } from 'react';
import { listDatasources, proxyPath, type Datasource } from '../../lib/api';
import { navigate, useLocation } from '../../lib/router';
import { useApi } from '../../lib/use-fetch';

interface PromEnvelope<T> {
  status: string;
  data: T;
}

/**
 * The frame of a Prometheus page (Targets, Service discovery, Rules, Alerts, Configuration, Flags, TSDB status, Status): a title, a picker of the Prometheus-type
 * datasources (`?ds=<uid>`, the default one otherwise), and the body given the chosen datasource's `api/v1/<api>`
 * answer, read through the datasource proxy.
 */
export function PrometheusPage<T>(props: { title: string; api: string; testId: string; children: (data: T, ds: Datasource) => React.ReactNode }) {
  const { path, search } = useLocation();
  const [sources, setSources] = useState<Datasource[] | undefined>();
  const [listError, setListError] = useState('');
  useEffect(() => {
    listDatasources().then((l) => setSources(l.filter((d) => d.type === 'prometheus')), (e: Error) => setListError(e.message));
  }, []);
  const wanted = search.get('ds');
  const ds = sources?.find((d) => d.uid === wanted) ?? sources?.find((d) => d.isDefault) ?? sources?.[0];
  const { data, error, loading } = useApi<PromEnvelope<T>>(ds ? `${proxyPath(ds.uid)}/api/v1/${props.api}` : undefined);
  return (
    <div className="page" data-testid={props.testId}>
      <div className="page-header">
        <h2>{props.title}</h2>
        {sources && sources.length > 0 && (
          <label className="inline">
            Data source
            <select aria-label="Prometheus data source" data-testid="prometheus-ds" value={ds?.uid} onChange={(e) => navigate(`${path}?ds=${encodeURIComponent(e.target.value)}`)}>
              {sources.map((d) => (
                <option key={d.uid} value={d.uid}>{d.name}</option>
              ))}
            </select>
          </label>
        )}
      </div>
      {listError && <div className="alert error">{listError}</div>}
      {sources && sources.length === 0 && <p className="muted">No Prometheus data source: add one under Connections → Data sources.</p>}
      {error && <div className="alert error" role="alert">{error}</div>}
      {loading && <div className="muted">Loading…</div>}
      {data && ds && props.children(data.data, ds)}
    </div>
  );
}
