import { navigate } from '../../lib/router';
import { useApi } from '../../lib/use-fetch';
import { AlertmanagerPage } from './AlertmanagerPage';
import { parseAmConfig, routeMatchers, type AmConfig, type AmRoute } from './config';
import type { AmStatus } from './am';

/** What a policy inherits from its parent, as Alertmanager applies it. */
interface Inherited {
  receiver?: string;
  group_by?: string[];
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
}

function Policy(p: { route: AmRoute; parent: Inherited; root?: boolean }) {
  const r = p.route;
  const eff: Inherited = {
    receiver: r.receiver ?? p.parent.receiver,
    group_by: r.group_by ?? p.parent.group_by,
    group_wait: r.group_wait ?? p.parent.group_wait,
    group_interval: r.group_interval ?? p.parent.group_interval,
    repeat_interval: r.repeat_interval ?? p.parent.repeat_interval,
  };
  const matchers = routeMatchers(r);
  const inherited = (own: unknown) => (own === undefined && !p.root ? ' muted' : '');
  return (
    <li className="policy" data-testid="policy">
      <div className="policy-head">
        {p.root ? <strong>Default policy</strong> : matchers.length > 0 ? matchers.map((m) => <span key={m} className="label-chip">{m}</span>) : <span className="muted">every alert</span>}
        {r.continue && <span className="state">continue</span>}
      </div>
      <div className="policy-body">
        <span className={`policy-field${inherited(r.receiver)}`}>→ <strong>{eff.receiver ?? '—'}</strong></span>
        <span className={`policy-field${inherited(r.group_by)}`}>group by {eff.group_by && eff.group_by.length > 0 ? eff.group_by.join(', ') : '(nothing)'}</span>
        <span className={`policy-field${inherited(r.group_wait)}`}>wait {eff.group_wait}</span>
        <span className={`policy-field${inherited(r.group_interval)}`}>interval {eff.group_interval}</span>
        <span className={`policy-field${inherited(r.repeat_interval)}`}>repeat {eff.repeat_interval}</span>
        {(r.mute_time_intervals ?? []).length > 0 && <span className="policy-field">muted {r.mute_time_intervals!.join(', ')}</span>}
        {(r.active_time_intervals ?? []).length > 0 && <span className="policy-field">active {r.active_time_intervals!.join(', ')}</span>}
      </div>
      {(r.routes ?? []).length > 0 && (
        <ul className="policy-tree">
          {r.routes!.map((c, i) => <Policy key={i} route={c} parent={eff} />)}
        </ul>
      )}
    </li>
  );
}

function MuteTimings(p: { cfg: AmConfig }) {
  const all = [...(p.cfg.time_intervals ?? []), ...(p.cfg.mute_time_intervals ?? [])];
  if (all.length === 0) return null;
  return (
    <>
      <h3>Time intervals</h3>
      <table className="result-table wrap">
        <tbody>
          {all.map((t) => (
            <tr key={t.name}><td><strong>{t.name}</strong></td><td className="mono">{JSON.stringify(t.time_intervals ?? [])}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * Alerting → Notification policies: the routing tree of the loaded alertmanager.yml (read-only), each policy with
 * its matchers and the receiver, grouping and timing it applies — values inherited from a parent shown dimmed.
 */
export function NotificationPoliciesPage() {
  return (
    <AlertmanagerPage title="Notification policies" testId="policies-page" actions={<button type="button" className="primary" data-testid="edit-policies" onClick={() => navigate('/alerting/routes/edit')}>Edit policies</button>}>
      {(base) => <Tree base={base} />}
    </AlertmanagerPage>
  );
}

function Tree(p: { base: string }) {
  const { data, error } = useApi<AmStatus>(`${p.base}/api/v2/status`);
  if (error) return <div className="alert error" role="alert">{error}</div>;
  if (!data) return <div className="muted">Loading…</div>;
  const cfg = parseAmConfig(data.config.original);
  // Alertmanager's defaults for the root route.
  const defaults: Inherited = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };
  return (
    <>
      <p className="muted">From the Alertmanager's configuration file; an alert goes down the first matching branch (and on, where a policy says continue).</p>
      {cfg.route ? <ul className="policy-tree root">{<Policy route={cfg.route} parent={defaults} root />}</ul> : <p className="muted">No route.</p>}
      <MuteTimings cfg={cfg} />
    </>
  );
}
