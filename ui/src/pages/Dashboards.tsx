import { useApi } from '../lib/use-fetch';

interface SearchHit {
  uid: string;
  title: string;
  url: string;
  type: string;
  tags: string[];
}

/** Dashboards from Grafana's search API (`GET /api/search`). */
export function DashboardsPage() {
  const { data, error } = useApi<SearchHit[]>('/api/search?type=dash-db');
  return (
    <div className="page">
      <h2>Dashboards</h2>
      {error && <div className="alert error">{error}</div>}
      {data && data.length === 0 && <p className="muted" data-testid="dashboards-empty">No dashboards yet.</p>}
      {data && data.length > 0 && (
        <table className="result-table" data-testid="dashboard-list">
          <thead>
            <tr><th>Name</th><th>Tags</th></tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.uid}>
                <td><a href={d.url}>{d.title}</a></td>
                <td>{d.tags.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
