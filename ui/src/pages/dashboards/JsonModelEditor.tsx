import { useEffect, useState } from 'react';
import type { Datasource } from '../../lib/api';
import { jsonModelText, parseJsonModel } from '../../dashboards/json-model';
import type { Dashboard } from '../../dashboards/model';

/**
 * Dashboard settings → JSON Model: the dashboard being edited as JSON text. "Apply" reads it through the load
 * migrations and makes it the dashboard being edited (saved with Save dashboard); invalid JSON shows why and
 * changes nothing. The text follows the dashboard when it changes elsewhere (a link, a variable, a panel).
 */
export function JsonModelEditor(props: { dashboard: Dashboard; datasources: Datasource[]; readOnly?: boolean; onChange: (d: Dashboard) => void }) {
  const [text, setText] = useState(() => jsonModelText(props.dashboard));
  const [error, setError] = useState('');
  useEffect(() => {
    setText(jsonModelText(props.dashboard));
    setError('');
  }, [props.dashboard]);
  const apply = () => {
    const r = parseJsonModel(text, props.datasources);
    if (r.error !== undefined) return setError(r.error);
    setError('');
    props.onChange(r.dashboard);
  };
  return (
    <section className="dash-json-model" data-testid="json-model-editor">
      <h4>JSON Model</h4>
      <textarea data-testid="json-model" className="dash-json-text" spellCheck={false} readOnly={props.readOnly} value={text} rows={18} onChange={(e) => setText(e.target.value)} />
      {error && <div className="alert error" data-testid="json-model-error">{error}</div>}
      {!props.readOnly && (
        <div className="dash-settings-actions">
          <button className="btn primary" data-testid="json-model-apply" onClick={apply}>Save changes</button>
          <button className="btn secondary" data-testid="json-model-reset" onClick={() => { setText(jsonModelText(props.dashboard)); setError(''); }}>Reset</button>
        </div>
      )}
    </section>
  );
}
