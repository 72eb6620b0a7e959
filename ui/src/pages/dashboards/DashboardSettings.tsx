import { useEffect, useState } from 'react';
import { apiFetch } from '../../lib/api';
import { navigate } from '../../lib/router';
import { formatDateTime } from '../../lib/time';
import type { Datasource } from '../../lib/api';
import type { Dashboard, DashboardMeta } from '../../dashboards/model';
import { JsonModelEditor } from './JsonModelEditor';
import { LinksEditor } from './LinksEditor';
import { VariablesEditor } from './VariablesEditor';

interface VersionInfo {
  version: number;
  created: string;
  createdBy: string;
  message: string;
  restoredFrom: number;
}

/**
 * Dashboard settings: the title, saved with a message through Grafana's `POST /api/dashboards/db` (the version
 * check makes a concurrent change fail with Grafana's message), the variables, links and JSON model being edited,
 * and the version history with restore.
 */
export function DashboardSettings(props: { dashboard: Dashboard; meta: DashboardMeta; datasources: Datasource[]; onChange: (d: Dashboard) => void; onSaved: () => void; onClose: () => void }) {
  const d = props.dashboard;
  const [title, setTitle] = useState(d.title ?? '');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [versions, setVersions] = useState<VersionInfo[] | undefined>();
  const [copyTitle, setCopyTitle] = useState(`${d.title ?? ''} Copy`);

  const isNew = !d.uid;
  useEffect(() => {
    if (isNew) return setVersions([]);
    let live = true;
    apiFetch<VersionInfo[]>(`/api/dashboards/uid/${encodeURIComponent(d.uid ?? '')}/versions`).then(
      (v) => live && setVersions(v),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [d.uid, d.version]);

  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    try {
      await f();
      props.onSaved();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  // a new dashboard gets its uid from the server and is then opened at its URL
  const save = () =>
    act(async () => {
      const r = await apiFetch<{ url: string }>('/api/dashboards/db', { method: 'POST', body: JSON.stringify({ dashboard: { ...d, title }, message, folderUid: props.meta.folderUid ?? '', overwrite: false }) });
      if (isNew) navigate(r.url);
    });
  /** Grafana's "Save as": a new dashboard (no id, uid or version) with the copy's title, in the same folder; then opened. */
  const saveCopy = () =>
    act(async () => {
      const { id: _id, uid: _uid, version: _v, ...rest } = d;
      const r = await apiFetch<{ url: string }>('/api/dashboards/db', { method: 'POST', body: JSON.stringify({ dashboard: { ...rest, title: copyTitle }, folderUid: props.meta.folderUid ?? '', overwrite: false, message: `Copy of ${d.title ?? ''}` }) });
      navigate(r.url);
    });
  const remove = () => {
    if (!window.confirm(`Delete dashboard "${d.title ?? ''}"?`)) return;
    void act(async () => {
      await apiFetch(`/api/dashboards/uid/${encodeURIComponent(d.uid ?? '')}`, { method: 'DELETE' });
      navigate('/dashboards');
    });
  };
  const restore = (version: number) => act(() => apiFetch(`/api/dashboards/uid/${encodeURIComponent(d.uid ?? '')}/restore`, { method: 'POST', body: JSON.stringify({ version }) }));

  return (
    <aside className="dash-settings" data-testid="dashboard-settings">
      <div className="dash-settings-head">
        <h3>Settings</h3>
        <button className="btn secondary" onClick={props.onClose} aria-label="Close settings">✕</button>
      </div>
      {props.meta.canSave === false && <p className="muted">You cannot save this dashboard{props.meta.provisioned ? ' (provisioned)' : ''}.</p>}
      <label>
        Title
        <input data-testid="settings-title" value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Change note
        <input data-testid="settings-message" value={message} onChange={(e) => setMessage(e.target.value)} placeholder="What changed" />
      </label>
      <button className="btn primary" data-testid="dashboard-save" disabled={busy || props.meta.canSave === false || title.trim() === ''} onClick={() => void save()}>
        Save dashboard
      </button>
      <label>
        Copy title
        <input data-testid="settings-copy-title" value={copyTitle} onChange={(e) => setCopyTitle(e.target.value)} />
      </label>
      <div className="dash-settings-actions">
        <button className="btn secondary" data-testid="dashboard-save-copy" disabled={busy || isNew || props.meta.canEdit === false || copyTitle.trim() === ''} onClick={() => void saveCopy()}>
          Save as copy
        </button>
        <button className="btn danger" data-testid="dashboard-delete" disabled={busy || isNew || props.meta.canDelete === false} onClick={remove}>
          Delete dashboard
        </button>
      </div>
      {error && <div className="alert error" data-testid="settings-error">{error}</div>}
      <VariablesEditor dashboard={d} datasources={props.datasources} onChange={props.onChange} />
      <LinksEditor dashboard={d} onChange={props.onChange} />
      <JsonModelEditor
        dashboard={d}
        datasources={props.datasources}
        readOnly={props.meta.canEdit === false}
        onChange={(next) => {
          // the title field follows the JSON's title (Save sends the field's title)
          setTitle(next.title ?? '');
          props.onChange(next);
        }}
      />
      <h4>Versions</h4>
      <table className="result-table" data-testid="dashboard-versions">
        <thead>
          <tr><th>Version</th><th>Date</th><th>By</th><th>Notes</th><th /></tr>
        </thead>
        <tbody>
          {versions?.map((v) => (
            <tr key={v.version} data-testid="dashboard-version" data-version={v.version}>
              <td>{v.version}</td>
              <td>{formatDateTime(Date.parse(v.created))}</td>
              <td>{v.createdBy}</td>
              <td>{v.restoredFrom ? `Restored from version ${v.restoredFrom}` : v.message}</td>
              <td>
                {v.version === d.version ? (
                  <span className="muted">Latest</span>
                ) : (
                  <button className="btn secondary" data-testid="version-restore" disabled={busy || props.meta.canSave === false} onClick={() => void restore(v.version)}>
                    Restore
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </aside>
  );
}
