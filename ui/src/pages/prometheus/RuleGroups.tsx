export interface Rule {
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  health: string;
  lastError?: string;
  state?: string;
  duration?: number;
  labels?: Record<string, string>;
  alerts?: { labels: Record<string, string>; state: string; activeAt?: string; value: string }[];
}

export interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  rules: Rule[];
}

/** Rule groups as `/api/v1/rules` gives them: one table per group. */
export function RuleGroups(props: { groups: RuleGroup[]; source?: string }) {
  if (props.groups.length === 0) return <p className="muted">No rules{props.source ? ` in ${props.source}` : ''}.</p>;
  return (
    <>
      {props.groups.map((g) => (
        <section key={`${g.file}/${g.name}`} className="pool" data-testid="rule-group">
          <h3>
            {g.name} <span className="muted">{g.file} · every {g.interval}s{props.source ? ` · ${props.source}` : ''}</span>
          </h3>
          <table className="result-table">
            <thead>
              <tr><th>Rule</th><th>Type</th><th>State</th><th>Health</th><th>Error</th></tr>
            </thead>
            <tbody>
              {g.rules.map((r) => (
                <tr key={r.name + r.query} data-testid="rule-row">
                  <td><strong>{r.name}</strong><div className="mono muted">{r.query}</div></td>
                  <td>{r.type}</td>
                  <td>{r.type === 'alerting' ? <span className={`state state-${r.state}`}>{r.state}{r.alerts && r.alerts.length > 0 ? ` (${r.alerts.length})` : ''}</span> : ''}</td>
                  <td>{r.health}</td>
                  <td className="error-text">{r.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
