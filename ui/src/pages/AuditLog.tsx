import { useState } from 'react';
import { useApi } from '../lib/use-fetch';

interface AuditEntry {
  id: number;
  time: string;
  user: string;
  clientIp: string;
  action: string;
  resource: string;
  resourceId: string;
  path: string;
  status: number;
}

const RESOURCES = ['', 'datasource', 'dashboard', 'folder', 'rule', 'user', 'serviceaccount', 'api-key', 'tenant-token', 'scrape-job'];

/** Administration → Audit log: who changed which datasource, dashboard, rule, user or token, newest first. */
export function AuditLogPage() {
  const [resource, setResource] = useState('');
  const { data, error } = useApi<AuditEntry[]>(`/api/sightline/audit?limit=200${resource ? `&resource=${encodeURIComponent(resource)}` : ''}`);
  return (
    <div className="page">
      <div className="page-header">
        <h2>Audit log</h2>
        <label className="toolbar">
          Resource
          <select value={resource} onChange={(e) => setResource(e.target.value)} data-testid="audit-resource">
            {RESOURCES.map((r) => (
              <option key={r} value={r}>{r || 'all'}</option>
            ))}
          </select>
        </label>
      </div>
      {error && <div className="alert error">{error}</div>}
      {data && data.length === 0 && <p className="muted">No admin actions recorded.</p>}
      {data && data.length > 0 && (
        <table className="result-table" data-testid="audit-list">
          <thead>
            <tr><th>Time</th><th>User</th><th>Action</th><th>Resource</th><th>Which</th><th>Status</th><th>Address</th></tr>
          </thead>
          <tbody>
            {data.map((e) => (
              <tr key={e.id} className={e.status >= 400 ? 'failed' : undefined}>
                <td>{e.time.slice(0, 19).replace('T', ' ')}</td>
                <td>{e.user}</td>
                <td>{e.action}</td>
                <td>{e.resource}</td>
                <td title={e.path}>{e.resourceId}</td>
                <td>{e.status}</td>
                <td>{e.clientIp}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
