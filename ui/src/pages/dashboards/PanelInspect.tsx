import { useState } from 'react';
import type { Panel } from '../../dashboards/model';
import type { PanelData } from '../../dashboards/panel-query';

const MAX_ROWS = 500;

/** Panel inspect, as Grafana's drawer: the data (a column per series), the queries as sent, and the panel's JSON. */
export function PanelInspect(props: { panel: Panel; data: PanelData | undefined; title: string; onClose: () => void }) {
  const [tab, setTab] = useState<'data' | 'query' | 'json'>('data');
  const data = props.data;
  const rows = data ? Math.min(data.xs.length, MAX_ROWS) : 0;
  return (
    <div className="panel-inspect-backdrop" onClick={props.onClose}>
      <div className="panel-inspect" data-testid="panel-inspect" role="dialog" aria-label={`Inspect: ${props.title}`} onClick={(e) => e.stopPropagation()}>
        <div className="panel-inspect-head">
          <strong>Inspect: {props.title}</strong>
          <span className="spacer" />
          {(['data', 'query', 'json'] as const).map((t) => (
            <button key={t} className={tab === t ? 'btn' : 'btn secondary'} data-testid={`inspect-tab-${t}`} onClick={() => setTab(t)}>
              {t === 'data' ? 'Data' : t === 'query' ? 'Query' : 'Panel JSON'}
            </button>
          ))}
          <button className="btn secondary" data-testid="inspect-close" onClick={props.onClose}>Close</button>
        </div>
        <div className="panel-inspect-body">
          {tab === 'data' && data && (
            <>
              {data.xs.length > MAX_ROWS && <div className="muted">First {MAX_ROWS} of {data.xs.length} rows</div>}
              <table className="result-table" data-testid="inspect-data">
                <thead>
                  <tr>
                    <th>Time</th>
                    {data.series.map((s, i) => <th key={i} className="num">{s.name}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {Array.from({ length: rows }, (_, r) => (
                    <tr key={r}>
                      <td>{new Date(data.xs[r]! * 1000).toLocaleString()}</td>
                      {data.series.map((s, i) => <td key={i} className="num">{s.values[r] ?? ''}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
              {data.logs.length > 0 && <div className="muted">{data.logs.length} log lines</div>}
            </>
          )}
          {tab === 'data' && !data && <div className="muted">No data</div>}
          {tab === 'query' && (
            <ul className="inspect-queries" data-testid="inspect-queries">
              {(data?.queries ?? []).map((q, i) => (
                <li key={i}>
                  <strong>{q.refId}</strong> <span className="muted">{q.datasource}</span>
                  <pre>{q.expr}</pre>
                </li>
              ))}
              {(data?.errors ?? []).map((e, i) => <li key={`e${i}`} className="panel-error-text">{e}</li>)}
            </ul>
          )}
          {tab === 'json' && <pre className="inspect-json" data-testid="inspect-json">{JSON.stringify(props.panel, null, 2)}</pre>}
        </div>
      </div>
    </div>
  );
}
