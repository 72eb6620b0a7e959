import { useEffect, useState } from 'react';
import { apiFetch, listDatasources, proxyPath } from '../lib/api';
import { navigate } from '../lib/router';
import { Link } from '../shell/Link';
import { grafanaApi, type RuleState } from './alerting/grafana-api';
import { RuleGroups, type RuleGroup } from './prometheus/RuleGroups';

/** Where a datasource keeps its rules' state: Prometheus's API, or Loki's and Mimir's ruler under `/prometheus`. */
const rulesPath = (type: string) => (type === 'loki' ? '/prometheus/api/v1/rules?type=alert' : '/api/v1/rules?type=alert');

const STATE_NAME: Record<string, string> = { inactive: 'Normal', pending: 'Pending', firing: 'Firing' };

function GrafanaRules(p: { rules: RuleState[]; reload: () => void }) {
  if (p.rules.length === 0) return <p className="muted">No Grafana-managed rules yet.</p>;
  return (
    <table className="result-table wrap" data-testid="grafana-rules">
      <thead>
        <tr><th>State</th><th>Name</th><th>Folder / group</th><th>Labels</th><th>Last evaluation</th><th>Health</th><th /></tr>
      </thead>
      <tbody>
        {p.rules.map((r) => (
          <tr key={r.uid} data-testid="grafana-rule" data-state={r.state}>
            <td><span className={`state state-${r.state}`} data-testid="rule-state">{STATE_NAME[r.state] ?? r.state}</span>{r.alerts.length > 0 && <span className="muted"> ({r.alerts.length})</span>}</td>
            <td>
              <strong>{r.name}</strong>
              <div className="mono muted">{r.query}</div>
              {r.alerts.map((a) => (
                <div key={JSON.stringify(a.labels)} data-testid="grafana-rule-alert" className="muted">
                  <span className={`state state-${a.state === 'Alerting' ? 'firing' : 'pending'}`}>{a.state === 'Alerting' ? 'Firing' : a.state}</span>{' '}
                  {Object.entries(a.labels).filter(([k]) => !k.startsWith('__')).map(([k, v]) => <span key={k} className="label-chip">{k}={v}</span>)} value {a.value} since {new Date(a.activeAt).toLocaleTimeString()}
                </div>
              ))}
            </td>
            <td>{r.folderUid} / {r.group}</td>
            <td>{Object.entries(r.labels).map(([k, v]) => <span key={k} className="label-chip">{k}={v}</span>)}</td>
            <td>{r.lastEvaluation.startsWith('0001') ? 'never' : new Date(r.lastEvaluation).toLocaleTimeString()}</td>
            <td>{r.health}{r.lastError && <div className="alert error" data-testid="rule-error">{r.lastError}</div>}</td>
            <td className="actions">
              {r.datasourceUid && <Link className="btn secondary small" testId="rule-explore" to={`/explore?${new URLSearchParams({ ds: r.datasourceUid, expr: r.dataQuery, from: 'now-1h', to: 'now' })}`}>Explore</Link>}
              <button type="button" onClick={() => navigate(`/alerting/grafana/${encodeURIComponent(r.uid)}/edit`)}>Edit</button>
              <button type="button" onClick={() => void grafanaApi.deleteRule(r.uid).then(p.reload)}>Delete</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Alerting → Alert rules: Grafana-managed rules (stored in the UI database, evaluated by Sightline) with their state,
 * then the data-source-managed rules of every Prometheus/Mimir and Loki data source (rule files and rulers).
 */
export function AlertRulesPage() {
  const [grafana, setGrafana] = useState<{ rules?: RuleState[]; error?: string }>({});
  const [bySource, setBySource] = useState<{ name: string; groups?: RuleGroup[]; error?: string }[] | undefined>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    grafanaApi.ruleStates().then((rules) => setGrafana({ rules }), (e: Error) => setGrafana({ error: e.message }));
    const t = setTimeout(() => setTick((n) => n + 1), 5000);
    return () => clearTimeout(t);
  }, [tick]);
  useEffect(() => {
    // Each source shows as soon as it answers (a slow ruler does not hold back the others).
    listDatasources().then((all) => {
      const sources = all.filter((d) => d.type === 'prometheus' || d.type === 'loki');
      setBySource([]);
      for (const d of sources) {
        apiFetch<{ data: { groups: RuleGroup[] } }>(`${proxyPath(d.uid)}${rulesPath(d.type)}`).then(
          (r) => ({ name: d.name, groups: r.data.groups.map((g) => ({ ...g, rules: g.rules.filter((x) => x.type === 'alerting') })).filter((g) => g.rules.length > 0) }),
          (e: Error) => ({ name: d.name, error: e.message }),
        ).then((entry: { name: string; groups?: RuleGroup[]; error?: string }) => setBySource((cur) => [...(cur ?? []), entry].sort((a, b) => a.name.localeCompare(b.name))));
      }
    }, (e: Error) => setBySource([{ name: '', error: e.message }]));
  }, []);
  return (
    <div className="page" data-testid="alert-rules-page">
      <div className="page-header">
        <h2>Alert rules</h2>
        <div className="toolbar">
          <button type="button" className="primary" data-testid="new-alert-rule" onClick={() => navigate('/alerting/new')}>New alert rule</button>
        </div>
      </div>
      <h3>Grafana-managed</h3>
      {grafana.error && <div className="alert error">{grafana.error}</div>}
      {grafana.rules && <GrafanaRules rules={grafana.rules} reload={() => setTick((n) => n + 1)} />}
      <h3>Data source-managed</h3>
      {!bySource && <div className="muted">Loading…</div>}
      {bySource?.map((s) => (
        <div key={s.name}>
          {s.error && <div className="alert error">{s.name}: {s.error}</div>}
          {s.groups && <RuleGroups groups={s.groups} source={s.name} />}
        </div>
      ))}
    </div>
  );
}
