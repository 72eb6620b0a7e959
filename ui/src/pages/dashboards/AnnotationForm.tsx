import { useState } from 'react';
import { apiFetch } from '../../lib/api';
import { formatDateTime } from '../../lib/time';

/**
 * Add an annotation where the graph was Ctrl/Cmd+clicked: description and tags, saved with Grafana's
 * `POST /api/annotations` on the dashboard and panel, then shown by the built-in "Annotations & Alerts".
 */
export function AnnotationForm(props: { dashboardUid: string; panelId: number | undefined; time: number; onSaved: () => void; onClose: () => void }) {
  const [text, setText] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError('');
    try {
      const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
      await apiFetch('/api/annotations', { method: 'POST', body: JSON.stringify({ dashboardUID: props.dashboardUid, panelId: props.panelId ?? 0, time: Math.round(props.time), text, tags: tagList }) });
      props.onSaved();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="dash-annotation-form" role="dialog" aria-label="Add annotation" data-testid="annotation-form">
      <h4>Add annotation</h4>
      <p className="muted" data-testid="annotation-form-time">{formatDateTime(props.time)}</p>
      <label>
        Description
        <textarea data-testid="annotation-text" value={text} rows={3} onChange={(e) => setText(e.target.value)} autoFocus />
      </label>
      <label>
        Tags (comma-separated)
        <input data-testid="annotation-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      {error && <div className="alert error">{error}</div>}
      <div className="dash-settings-actions">
        <button className="btn primary" data-testid="annotation-save" disabled={busy || text.trim() === ''} onClick={() => void save()}>Save</button>
        <button className="btn secondary" data-testid="annotation-cancel" onClick={props.onClose}>Cancel</button>
      </div>
    </div>
  );
}
