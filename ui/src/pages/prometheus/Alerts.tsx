import { formatAgo } from '../../lib/time';
import { PrometheusPage } from './PrometheusPage';

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  value: string;
}

/** Prometheus's Alerts page: active (pending and firing) alerts with labels, since when, value. */
export function AlertsPage() {
  return (
    <PrometheusPage<{ alerts: Alert[] }> title="Alerts" api="alerts" testId="alerts-page">
      {(d) =>
        d.alerts.length === 0 ? (
          <p className="muted">No active alerts.</p>
        ) : (
          <table className="result-table">
            <thead>
              <tr><th>Alert</th><th>State</th><th>Labels</th><th>Active since</th><th>Value</th></tr>
            </thead>
            <tbody>
              {d.alerts.map((a, i) => (
                <tr key={i} data-testid="alert-row">
                  <td>{a.labels.alertname}</td>
                  <td><span className={`state state-${a.state}`}>{a.state}</span></td>
                  <td>{Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => <span key={k} className="label-chip">{k}="{v}"</span>)}</td>
                  <td>{a.activeAt ? formatAgo(Date.parse(a.activeAt)) : ''}</td>
                  <td>{a.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </PrometheusPage>
  );
}
