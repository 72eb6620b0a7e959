import { useState, type FormEvent } from 'react';
import { apiFetch } from '../lib/api';
import { useApi } from '../lib/use-fetch';

interface TenantToken {
  id: number;
  name: string;
  tenants: string[];
  scopes: string[];
  createdBy: string;
  created: string;
}

interface TokenList {
  tenantAuth: boolean;
  scopes: string[];
  tokens: TenantToken[];
}

/**
 * Administration → Tokens: tenant tokens for the listeners (remote write, Loki push, OTLP, queries). A new token
 * is shown once; only its SHA-256 is stored. Revoking takes effect on the next request.
 */
export function TokensPage() {
  const [reload, setReload] = useState(0);
  const { data, error } = useApi<TokenList>(`/api/sightline/tenant-tokens?r=${reload}`);
  const [name, setName] = useState('');
  const [tenants, setTenants] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [failure, setFailure] = useState<string>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    try {
      const t = await apiFetch<TenantToken & { token: string }>('/api/sightline/tenant-tokens', {
        method: 'POST',
        body: JSON.stringify({ name: name.trim(), tenants: tenants.split(/[\s,]+/).filter(Boolean), scopes }),
      });
      setCreated({ name: t.name, token: t.token });
      setName('');
      setTenants('');
      setScopes([]);
      setReload((n) => n + 1);
    } catch (err) {
      setFailure((err as Error).message);
    }
  };
  const revoke = async (t: TenantToken) => {
    if (!confirm(`Revoke token ${t.name}? Clients using it get 401 from the next request on.`)) return;
    try {
      await apiFetch(`/api/sightline/tenant-tokens/${t.id}`, { method: 'DELETE' });
      setReload((n) => n + 1);
    } catch (err) {
      setFailure((err as Error).message);
    }
  };
  const toggle = (s: string) => setScopes((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]));

  return (
    <div className="page narrow">
      <h2>Tokens</h2>
      <p className="muted">Tenant tokens for the metrics, logs, traces, OTLP and Alertmanager listeners: clients send them as <code>Authorization: Bearer</code> or as the basic auth password.</p>
      {error && <div className="alert error">{error}</div>}
      {data && !data.tenantAuth && (
        <div className="alert warning" data-testid="tenant-auth-off">
          Tenant authentication is off: these tokens take effect once <code>server.tenant_tokens</code> configures at least one token.
        </div>
      )}
      {created && (
        <div className="alert success" data-testid="new-token">
          Token <b>{created.name}</b> (copy it now, it is not shown again):
          <pre className="token-value">{created.token}</pre>
        </div>
      )}
      {failure && <div className="alert error">{failure}</div>}
      {data && (
        <form className="form subform" onSubmit={create} data-testid="token-form">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} name="name" required />
          </label>
          <label>
            Tenants (comma-separated)
            <input value={tenants} onChange={(e) => setTenants(e.target.value)} name="tenants" placeholder="team-a" required />
          </label>
          <div className="scopes">
            {data.scopes.map((s) => (
              <label key={s} className="check">
                <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} value={s} /> {s}
              </label>
            ))}
          </div>
          <div className="buttons">
            <button type="submit" className="btn primary" disabled={!name.trim() || !tenants.trim() || scopes.length === 0}>
              Create token
            </button>
          </div>
        </form>
      )}
      {data && data.tokens.length === 0 && <p className="muted">No tokens made here yet (tokens in the configuration file are not listed).</p>}
      {data && data.tokens.length > 0 && (
        <table className="result-table" data-testid="token-list">
          <thead>
            <tr><th>Name</th><th>Tenants</th><th>Scopes</th><th>Created</th><th /></tr>
          </thead>
          <tbody>
            {data.tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.tenants.join(', ')}</td>
                <td>{t.scopes.join(', ')}</td>
                <td>{t.created.slice(0, 19).replace('T', ' ')} by {t.createdBy}</td>
                <td>
                  <button type="button" className="btn danger small" onClick={() => void revoke(t)}>Revoke</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
