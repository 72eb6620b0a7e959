import { useEffect, useState } from 'react';
import { apiFetch, getDatasource, type Datasource, type User } from '../lib/api';
import { navigate } from '../lib/router';
import { CustomHeaders, DatasourceSettings } from './DatasourceSettings';

interface HealthResult {
  status: 'OK' | 'ERROR';
  message: string;
}

const EMPTY: Datasource = { id: 0, uid: '', name: '', type: 'prometheus', typeName: 'Prometheus', url: '', access: 'proxy', isDefault: false, basicAuth: false, basicAuthUser: '', jsonData: {}, readOnly: false };

/** Edit (or create) a datasource; "Save & test" saves, then runs the type's health check through the server. */
export function DatasourceEditPage(props: { user: User; uid?: string }) {
  const [ds, setDs] = useState<Datasource | undefined>(props.uid ? undefined : EMPTY);
  // The settings form and the JSON view (advanced) edit the same jsonData; the text is kept while it does not parse.
  const [jsonText, setJsonText] = useState('{}');
  const [advanced, setAdvanced] = useState(false);
  const [jsonError, setJsonError] = useState('');
  const [password, setPassword] = useState('');
  // New values of custom headers (`secureJsonData.httpHeaderValue<N>`), sent on save; stored ones are never shown.
  const [headerValues, setHeaderValues] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [health, setHealth] = useState<HealthResult | undefined>();
  const [busy, setBusy] = useState(false);
  const canEdit = props.user.role === 'Admin' && !ds?.readOnly;

  useEffect(() => {
    if (!props.uid) return;
    getDatasource(props.uid).then(
      (d) => {
        setDs(d);
        setJsonText(JSON.stringify(d.jsonData, null, 2));
      },
      (e: Error) => setError(e.message),
    );
  }, [props.uid]);

  if (!ds) return <div className="page">{error ? <div className="alert error">{error}</div> : 'Loading…'}</div>;
  const set = (patch: Partial<Datasource>) => setDs({ ...ds, ...patch });

  async function test(uid: string) {
    try {
      const r = await fetch(`/api/datasources/uid/${encodeURIComponent(uid)}/health`, { credentials: 'same-origin' });
      setHealth((await r.json()) as HealthResult);
    } catch (e) {
      setHealth({ status: 'ERROR', message: (e as Error).message });
    }
  }

  async function saveAndTest() {
    setBusy(true);
    setError('');
    setHealth(undefined);
    try {
      if (!canEdit) {
        await test(ds!.uid);
        return;
      }
      if (jsonError) throw new Error(`JSON data: ${jsonError}`);
      const jsonData = ds!.jsonData;
      const secureJsonData = { ...headerValues, ...(ds!.basicAuth && password ? { basicAuthPassword: password } : {}) };
      const body = { ...ds, jsonData, ...(Object.keys(secureJsonData).length ? { secureJsonData } : {}) };
      const r = ds!.id
        ? await apiFetch<{ datasource: Datasource }>(`/api/datasources/uid/${encodeURIComponent(props.uid!)}`, { method: 'PUT', body: JSON.stringify(body) })
        : await apiFetch<{ datasource: Datasource }>('/api/datasources', { method: 'POST', body: JSON.stringify(body) });
      setDs(r.datasource);
      setPassword('');
      setHeaderValues({});
      if (!ds!.id || r.datasource.uid !== props.uid) navigate(`/datasources/edit/${encodeURIComponent(r.datasource.uid)}`, true);
      await test(r.datasource.uid);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!confirm(`Delete data source ${ds!.name}?`)) return;
    try {
      await apiFetch(`/api/datasources/uid/${encodeURIComponent(ds!.uid)}`, { method: 'DELETE' });
      navigate('/datasources');
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <div className="page narrow">
      <h2>{ds.id ? ds.name : 'New data source'}</h2>
      {ds.readOnly && <div className="alert info">This data source was added by provisioning and cannot be modified here.</div>}
      <fieldset disabled={!canEdit} className="form">
        <label>
          Name
          <input name="name" value={ds.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
        <label>
          Type
          <select name="type" value={ds.type} onChange={(e) => set({ type: e.target.value })}>
            <option value="prometheus">Prometheus</option>
            <option value="loki">Loki</option>
            <option value="tempo">Tempo</option>
            <option value="alertmanager">Alertmanager</option>
          </select>
        </label>
        <label>
          URL
          <input name="url" placeholder="http://127.0.0.1:9090" value={ds.url} onChange={(e) => set({ url: e.target.value })} />
        </label>
        <label>
          UID
          <input name="uid" placeholder="(from the name)" value={ds.uid} onChange={(e) => set({ uid: e.target.value })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={ds.isDefault} onChange={(e) => set({ isDefault: e.target.checked })} /> Default
        </label>
        <label className="check">
          <input type="checkbox" checked={ds.basicAuth} onChange={(e) => set({ basicAuth: e.target.checked })} /> Basic auth
        </label>
        {ds.basicAuth && (
          <div className="row">
            <label>
              User
              <input value={ds.basicAuthUser ?? ''} onChange={(e) => set({ basicAuthUser: e.target.value })} />
            </label>
            <label>
              Password
              <input type="password" placeholder={ds.secureJsonFields?.basicAuthPassword ? 'configured' : ''} value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </div>
        )}
        <CustomHeaders
          jsonData={ds.jsonData}
          configured={ds.secureJsonFields ?? {}}
          values={headerValues}
          onChange={(jsonData, values) => {
            set({ jsonData });
            setHeaderValues(values);
            setJsonText(JSON.stringify(jsonData, null, 2));
          }}
        />
        <DatasourceSettings type={ds.type} jsonData={ds.jsonData} savedUid={ds.id ? props.uid : undefined} onChange={(jsonData) => { set({ jsonData }); setJsonText(JSON.stringify(jsonData, null, 2)); }} />
        <label className="check">
          <input type="checkbox" data-testid="json-toggle" checked={advanced} onChange={(e) => { setAdvanced(e.target.checked); setJsonText(JSON.stringify(ds.jsonData, null, 2)); setJsonError(''); }} /> Advanced: edit the JSON settings
        </label>
        {advanced && (
          <label>
            JSON data
            <textarea
              name="jsonData"
              rows={10}
              spellCheck={false}
              value={jsonText}
              onChange={(e) => {
                setJsonText(e.target.value);
                try {
                  const parsed = JSON.parse(e.target.value) as unknown;
                  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('an object is expected');
                  set({ jsonData: parsed as Record<string, unknown> });
                  setJsonError('');
                } catch (err) {
                  setJsonError((err as Error).message);
                }
              }}
            />
            {jsonError && <span className="error-text">{jsonError}</span>}
          </label>
        )}
      </fieldset>
      {error && <div className="alert error">{error}</div>}
      {health && (
        <div className={health.status === 'OK' ? 'alert success' : 'alert error'} data-testid="health-result">
          {health.message}
        </div>
      )}
      <div className="buttons">
        <button className="btn primary" onClick={saveAndTest} disabled={busy}>
          {canEdit ? 'Save & test' : 'Test'}
        </button>
        {canEdit && ds.id !== 0 && (
          <button className="btn danger" onClick={remove}>
            Delete
          </button>
        )}
        <button className="btn secondary" onClick={() => navigate('/datasources')}>
          Back
        </button>
      </div>
    </div>
  );
}
