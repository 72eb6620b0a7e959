import { useApi } from '../../lib/use-fetch';
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

/** Alerting → Contact points: the receivers of the loaded alertmanager.yml and their integrations (read-only). */
export function ContactPointsPage() {
  return (
    <AlertmanagerPage title="Contact points" testId="contact-points-page">
      {(base) => <Receivers base={base} />}
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
      <p className="muted">From the Alertmanager's configuration file; change it there and reload (<span className="mono">/-/reload</span>).</p>
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
