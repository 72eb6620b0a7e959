import { useEffect, useState } from 'react';
import { navigate, useLocation } from '../../lib/router';
import { grafanaApi, type ContactPoint } from './grafana-api';

/** Grafana's integration types and their main settings (the first is required). */
const TYPES: Record<string, { label: string; fields: [string, string][] }> = {
  webhook: { label: 'Webhook', fields: [['url', 'URL'], ['username', 'Basic auth user'], ['password', 'Basic auth password']] },
  slack: { label: 'Slack', fields: [['url', 'Webhook URL'], ['recipient', 'Channel']] },
  email: { label: 'Email', fields: [['addresses', 'Addresses (separated by ;)']] },
  pagerduty: { label: 'PagerDuty', fields: [['integrationKey', 'Integration key'], ['severity', 'Severity']] },
  teams: { label: 'Microsoft Teams', fields: [['url', 'Webhook URL']] },
  discord: { label: 'Discord', fields: [['url', 'Webhook URL']] },
  telegram: { label: 'Telegram', fields: [['bottoken', 'Bot token'], ['chatid', 'Chat ID']] },
  opsgenie: { label: 'Opsgenie', fields: [['apiKey', 'API key'], ['apiUrl', 'API URL']] },
  pushover: { label: 'Pushover', fields: [['userKey', 'User key'], ['apiToken', 'API token']] },
};

/** Alerting → Contact points → New/Edit: name, integration, settings; "Test" sends a test notification now. */
export function ContactPointEditorPage() {
  const { path } = useLocation();
  const uid = /^\/alerting\/notifications\/receivers\/([^/]+)\/edit$/.exec(path)?.[1];
  const [cp, setCp] = useState<(Omit<ContactPoint, 'uid'> & { uid?: string }) | undefined>(uid ? undefined : { name: '', type: 'webhook', settings: {}, disableResolveMessage: false });
  const [error, setError] = useState('');
  const [tested, setTested] = useState('');
  useEffect(() => {
    if (uid) grafanaApi.contactPoints().then((l) => setCp(l.find((c) => c.uid === decodeURIComponent(uid))), (e: Error) => setError(e.message));
  }, [uid]);
  if (!cp) return <div className="page">{error ? <div className="alert error">{error}</div> : <div className="muted">Loading…</div>}</div>;
  const setting = (k: string) => (e: React.ChangeEvent<HTMLInputElement>) => setCp({ ...cp, settings: { ...cp.settings, [k]: e.target.value } });
  const run = async (f: () => Promise<void>) => {
    setError('');
    try {
      await f();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const test = () =>
    run(async () => {
      setTested('');
      const r = await grafanaApi.testContactPoint(cp);
      const res = r?.receivers?.[0]?.grafana_managed_receiver_configs?.[0];
      setTested(res?.status === 'ok' ? 'Test notification sent.' : `Test failed: ${res?.error ?? 'unknown error'}`);
    });
  return (
    <form className="page" data-testid="contact-point-editor" onSubmit={(e) => (e.preventDefault(), void run(async () => (await grafanaApi.saveContactPoint(cp), navigate('/alerting/notifications'))))}>
      <h2>{uid ? 'Edit contact point' : 'New contact point'}</h2>
      {error && <div className="alert error" role="alert">{error}</div>}
      <label>Name <input name="name" required value={cp.name} onChange={(e) => setCp({ ...cp, name: e.target.value })} /></label>
      <label>
        Integration
        <select name="type" value={cp.type} onChange={(e) => setCp({ ...cp, type: e.target.value, settings: {} })}>
          {Object.entries(TYPES).map(([k, t]) => <option key={k} value={k}>{t.label}</option>)}
        </select>
      </label>
      {(TYPES[cp.type]?.fields ?? []).map(([k, label], i) => (
        <label key={k}>{label} <input name={k} required={i === 0} type={/password|token|key/i.test(k) ? 'password' : 'text'} value={String(cp.settings[k] ?? '')} onChange={setting(k)} /></label>
      ))}
      <label className="inline"><input type="checkbox" name="disableResolveMessage" checked={cp.disableResolveMessage} onChange={(e) => setCp({ ...cp, disableResolveMessage: e.target.checked })} /> Disable resolved message</label>
      {tested && <div className={`alert ${tested.startsWith('Test failed') ? 'error' : 'success'}`} data-testid="contact-point-test-result">{tested}</div>}
      <div className="toolbar">
        <button type="button" data-testid="contact-point-test" onClick={() => void test()}>Test</button>
        <button type="submit" className="primary">Save contact point</button>
        <button type="button" onClick={() => navigate('/alerting/notifications')}>Cancel</button>
      </div>
    </form>
  );
}
