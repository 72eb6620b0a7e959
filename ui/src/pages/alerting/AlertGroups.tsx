import { useState } from 'react';
import type { User } from '../../lib/api';
import { navigate, useLocation } from '../../lib/router';
import { formatAgo } from '../../lib/time';
import { useApi } from '../../lib/use-fetch';
import { Link } from '../../shell/Link';
import { amQuery, AlertmanagerPage } from './AlertmanagerPage';
import { splitMatchers, type AmAlert, type AmAlertGroup } from './am';

const Chips = (p: { labels: Record<string, string>; skip?: string[] }) => (
  <>
    {Object.entries(p.labels)
      .filter(([k]) => !p.skip?.includes(k))
      .map(([k, v]) => (
        <span key={k} className="label-chip">{k}="{v}"</span>
      ))}
  </>
);

/** The link that opens the silence editor with an alert's labels as equality matchers. */
export function silenceFromAlert(a: AmAlert, query: string): string {
  const p = new URLSearchParams(query.replace(/^[?&]/, ''));
  for (const [k, v] of Object.entries(a.labels)) p.append('matcher', `${k}=${JSON.stringify(v)}`);
  return `/alerting/silence/new?${p.toString()}`;
}

function AlertRow(p: { alert: AmAlert; query: string; canSilence: boolean }) {
  const a = p.alert;
  const state = a.status.silencedBy.length > 0 ? 'silenced' : a.status.inhibitedBy.length > 0 ? 'inhibited' : a.status.state;
  return (
    <tr data-testid="am-alert" data-fingerprint={a.fingerprint}>
      <td><span className={`state state-${state === 'active' ? 'firing' : state}`} data-testid="am-alert-state">{state}</span></td>
      <td>
        <div><strong>{a.labels.alertname}</strong> <Chips labels={a.labels} skip={['alertname']} /></div>
        {Object.entries(a.annotations).map(([k, v]) => (
          <div key={k} className="annotation"><span className="muted">{k}:</span> {v}</div>
        ))}
        {a.status.silencedBy.map((id) => (
          <div key={id} className="muted">Silenced by <Link to={`/alerting/silences?silence=${encodeURIComponent(id)}${p.query.replace(/^\?/, '&')}`}>{id.slice(0, 8)}</Link></div>
        ))}
      </td>
      <td title={a.startsAt}>{formatAgo(Date.parse(a.startsAt))}</td>
      <td>
        {a.generatorURL && <a href={a.generatorURL} target="_blank" rel="noreferrer">Source</a>}{' '}
        {p.canSilence && state !== 'silenced' && (
          <Link to={silenceFromAlert(a, p.query)} className="btn secondary small" testId="silence-alert">Silence</Link>
        )}
      </td>
    </tr>
  );
}

/**
 * Alerting → Alerts: the Alertmanager's alert groups (`/api/v2/alerts/groups`) — per receiver and group labels,
 * each alert's state (active, silenced, inhibited), labels and annotations — filtered by label matchers and
 * state, with a Silence action prefilled from the alert.
 */
export function AlertGroupsPage(props: { user: User }) {
  const { path, search } = useLocation();
  const filter = search.get('filter') ?? '';
  const showSilenced = search.get('silenced') !== 'false';
  const showInhibited = search.get('inhibited') !== 'false';
  const [draft, setDraft] = useState(filter);
  const go = (changes: Record<string, string | undefined>) => {
    const p = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') p.delete(k);
      else p.set(k, v);
    }
    navigate(`${path}${p.size > 0 ? `?${p.toString()}` : ''}`, true);
  };
  return (
    <AlertmanagerPage title="Alerts" testId="am-alerts-page">
      {(base, ds) => (
        <>
          <form
            className="query-options"
            onSubmit={(e) => {
              e.preventDefault();
              go({ filter: draft });
            }}
          >
            <label>
              Filter by label matchers
              <input className="mono" data-testid="alert-filter" placeholder='{severity="critical", team=~"web.*"}' value={draft} onChange={(e) => setDraft(e.target.value)} size={50} />
            </label>
            <button className="btn primary" type="submit">Apply</button>
            <label className="inline"><input type="checkbox" checked={showSilenced} onChange={(e) => go({ silenced: e.target.checked ? undefined : 'false' })} /> Silenced</label>
            <label className="inline"><input type="checkbox" checked={showInhibited} onChange={(e) => go({ inhibited: e.target.checked ? undefined : 'false' })} /> Inhibited</label>
          </form>
          <Groups base={base} query={amQuery(ds)} filter={filter} silenced={showSilenced} inhibited={showInhibited} canSilence={props.user.role !== 'Viewer'} />
        </>
      )}
    </AlertmanagerPage>
  );
}

function Groups(p: { base: string; query: string; filter: string; silenced: boolean; inhibited: boolean; canSilence: boolean }) {
  const q = new URLSearchParams();
  for (const m of splitMatchers(p.filter)) q.append('filter', m);
  q.set('silenced', String(p.silenced));
  q.set('inhibited', String(p.inhibited));
  const { data, error, loading } = useApi<AmAlertGroup[]>(`${p.base}/api/v2/alerts/groups?${q.toString()}`);
  if (error) return <div className="alert error" role="alert">{error}</div>;
  if (loading || !data) return <div className="muted">Loading…</div>;
  const groups = data.filter((g) => g.alerts.length > 0);
  if (groups.length === 0) return <p className="muted" data-testid="no-alerts">No alerts{p.filter ? ' match the filter' : ''}.</p>;
  return (
    <>
      {groups.map((g) => (
        <section key={`${g.receiver.name}/${JSON.stringify(g.labels)}`} className="pool" data-testid="am-alert-group">
          <h3>
            {Object.keys(g.labels).length > 0 ? <Chips labels={g.labels} /> : <span>No grouping</span>}{' '}
            <span className="muted">receiver {g.receiver.name} · {g.alerts.length} alert{g.alerts.length === 1 ? '' : 's'}</span>
          </h3>
          <table className="result-table wrap">
            <thead>
              <tr><th>State</th><th>Alert</th><th>Since</th><th></th></tr>
            </thead>
            <tbody>
              {g.alerts.map((a) => <AlertRow key={a.fingerprint} alert={a} query={p.query} canSilence={p.canSilence} />)}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
