import { useEffect, useState } from 'react';
import { navigate } from '../../lib/router';
import { useApi } from '../../lib/use-fetch';
import { grafanaApi, type ContactPoint } from './grafana-api';
import { AlertmanagerPage } from './AlertmanagerPage';
import { integrationTarget, parseAmConfig, type AmReceiver } from './config';
import type { AmStatus } from './am';

/** `slack_configs` → `slack`. */
const kindName = (k: string) => k.replace(/_configs$/, '');

function Receiver(p: { r: AmReceiver }) {
  const integrations = Object.entries(p.r).filter(([k, v]) => k.endsWith('_configs') && Array.isArray(v) && v.length > 0) as [string, Record<string, unknown>[]][];
  return (
    <tr data-testid="contact-point">
      <td><strong>{p.r.name}</strong></td>
      <td>
        {integrations.length === 0 && <span className="muted">No integrations (notifies nobody)</span>}
        {integrations.flatMap(([k, list]) =>
          list.map((c, i) => (
            <div key={`${k}${i}`}>
              <span className="label-chip">{kindName(k)}</span> <span className="mono">{integrationTarget(k, c)}</span>
              {c.send_resolved === false && <span className="muted"> · resolved not sent</span>}
            </div>
          )),
        )}
      </td>
    </tr>
  );
}

/** The contact points made in the UI or by provisioning (editable) and those of alertmanager.yml (read-only). */
function GrafanaContactPoints() {
  const [list, setList] = useState<ContactPoint[] | undefined>();
  const [error, setError] = useState('');
  const load = () => grafanaApi.contactPoints().then(setList, (e: Error) => setError(e.message));
  useEffect(() => void load(), []);
  const editable = (list ?? []).filter((c) => c.provenance !== 'file');
  return (
    <>
      {error && <div className="alert error" role="alert">{error}</div>}
      {editable.length > 0 && (
        <table className="result-table wrap" data-testid="grafana-contact-points">
          <thead>
            <tr><th>Contact point</th><th>Integration</th><th /></tr>
          </thead>
          <tbody>
            {editable.map((c) => (
              <tr key={c.uid} data-testid="grafana-contact-point">
                <td><strong>{c.name}</strong></td>
                <td><span className="label-chip">{c.type}</span> <span className="mono">{String(c.settings.url ?? c.settings.addresses ?? '')}</span></td>
                <td className="actions">
                  <button type="button" onClick={() => navigate(`/alerting/notifications/receivers/${encodeURIComponent(c.uid)}/edit`)}>Edit</button>
                  <button type="button" onClick={() => void grafanaApi.deleteContactPoint(c.uid).then(load, (e: Error) => setError(e.message))}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Alerting → Contact points: those made here (create, edit, test, delete) and the Alertmanager's receivers as loaded. */
export function ContactPointsPage() {
  return (
    <AlertmanagerPage title="Contact points" testId="contact-points-page" actions={<button type="button" className="primary" data-testid="add-contact-point" onClick={() => navigate('/alerting/notifications/receivers/new')}>Add contact point</button>}>
      {(base) => (
        <>
          <GrafanaContactPoints />
          <Receivers base={base} />
        </>
      )}
    </AlertmanagerPage>
  );
}

function Receivers(p: { base: string }) {
  const { data, error } = useApi<AmStatus>(`${p.base}/api/v2/status`);
  if (error) return <div className="alert error" role="alert">{error}</div>;
  if (!data) return <div className="muted">Loading…</div>;
  const cfg = parseAmConfig(data.config.original);
  return (
    <>
      <p className="muted">As the Alertmanager runs them (its configuration file with the changes made here).</p>
      <table className="result-table wrap">
        <thead>
          <tr><th>Contact point</th><th>Integrations</th></tr>
        </thead>
        <tbody>
          {(cfg.receivers ?? []).map((r) => <Receiver key={r.name} r={r} />)}
        </tbody>
      </table>
    </>
  );
}
