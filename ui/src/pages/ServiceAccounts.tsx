import { useApi } from '../lib/use-fetch';

interface ServiceAccount {
  id: number;
  name: string;
  login: string;
  role: string;
  tokens: number;
  isDisabled: boolean;
}

/** Administration → Service accounts (`GET /api/serviceaccounts/search`). */
export function ServiceAccountsPage() {
  const { data, error } = useApi<{ serviceAccounts: ServiceAccount[] }>('/api/serviceaccounts/search');
  return (
    <div className="page">
      <h2>Service accounts</h2>
      {error && <div className="alert error">{error}</div>}
      {data && data.serviceAccounts.length === 0 && <p className="muted">No service accounts.</p>}
      {data && data.serviceAccounts.length > 0 && (
        <table className="result-table" data-testid="serviceaccount-list">
          <thead>
            <tr><th>Name</th><th>Role</th><th>Tokens</th></tr>
          </thead>
          <tbody>
            {data.serviceAccounts.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.role}</td>
                <td>{s.tokens}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
