import { useState } from 'react';
import { PrometheusPage } from './PrometheusPage';

/** Prometheus's Flags page: every command-line flag and its value (`status/flags`), filtered by name or value. */
export function FlagsPage() {
  const [filter, setFilter] = useState('');
  return (
    <PrometheusPage<Record<string, string>> title="Command-line flags" api="status/flags" testId="flags-page">
      {(d) => {
        const q = filter.trim().toLowerCase();
        const rows = Object.entries(d).filter(([k, v]) => q === '' || k.toLowerCase().includes(q) || v.toLowerCase().includes(q));
        return (
          <>
            <input className="filter-input" type="search" placeholder="Filter by flag name or value" aria-label="Filter flags" value={filter} onChange={(e) => setFilter(e.target.value)} />
            <table className="result-table kv" data-testid="flags">
              <thead>
                <tr><th>Flag</th><th>Value</th></tr>
              </thead>
              <tbody>
                {rows.map(([k, v]) => (
                  <tr key={k} data-testid="flag-row">
                    <th scope="row" className="attr-key mono">--{k}</th>
                    <td className="kv-value mono">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length === 0 && <p className="muted">No flag matches "{filter}".</p>}
          </>
        );
      }}
    </PrometheusPage>
  );
}
