import { useEffect, useState } from 'react';
import { listDatasources, proxyPath, type Datasource } from '../../lib/api';
import { navigate, useLocation } from '../../lib/router';

/** The Alertmanager-type datasources and the chosen one (`?alertmanager=<uid>`, else the first), as Grafana's alerting pages pick theirs. */
export function useAlertmanagerSource(): { sources?: Datasource[]; ds?: Datasource; base?: string; error: string } {
  const { search } = useLocation();
  const [sources, setSources] = useState<Datasource[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    listDatasources().then((l) => setSources(l.filter((d) => d.type === 'alertmanager')), (e: Error) => setError(e.message));
  }, []);
  const wanted = search.get('alertmanager');
  const ds = sources?.find((d) => d.uid === wanted) ?? sources?.[0];
  return { sources, ds, base: ds ? proxyPath(ds.uid) : undefined, error };
}

/** The `?alertmanager=` part of a link that keeps the chosen Alertmanager, when one was chosen (none: the first). */
export function amQuery(ds: Datasource | undefined, sep: '?' | '&' = '?'): string {
  return ds && new URLSearchParams(location.search).has('alertmanager') ? `${sep}alertmanager=${encodeURIComponent(ds.uid)}` : '';
}

/** The frame of an alerting page: title, actions, the Alertmanager picker, and the body once one is chosen. */
export function AlertmanagerPage(props: { title: string; testId: string; actions?: React.ReactNode; children: (base: string, ds: Datasource) => React.ReactNode }) {
  const { path } = useLocation();
  const { sources, ds, base, error } = useAlertmanagerSource();
  return (
    <div className="page" data-testid={props.testId}>
      <div className="page-header">
        <h2>{props.title}</h2>
        <div className="toolbar">
          {props.actions}
          {sources && sources.length > 1 && (
            <label className="inline">
              Alertmanager
              <select aria-label="Alertmanager" data-testid="alertmanager-ds" value={ds?.uid} onChange={(e) => navigate(`${path}?alertmanager=${encodeURIComponent(e.target.value)}`)}>
                {sources.map((d) => (
                  <option key={d.uid} value={d.uid}>{d.name}</option>
                ))}
              </select>
            </label>
          )}
        </div>
      </div>
      {error && <div className="alert error" role="alert">{error}</div>}
      {sources && sources.length === 0 && <p className="muted">No Alertmanager data source: add one under Connections → Data sources.</p>}
      {base && ds && props.children(base, ds)}
    </div>
  );
}
