import { useState } from 'react';
import type { Datasource } from '../../lib/api';
import { putVariable, removeVariable, variableNameError } from '../../dashboards/editing';
import type { Dashboard, VariableModel } from '../../dashboards/model';

const TYPES: [string, string][] = [
  ['query', 'Query'],
  ['custom', 'Custom'],
  ['constant', 'Constant'],
  ['textbox', 'Text box'],
  ['interval', 'Interval'],
  ['datasource', 'Data source'],
  ['adhoc', 'Ad hoc filters'],
];
const NEEDS_DATASOURCE = new Set(['query', 'adhoc']);
const QUERY_HINT: Record<string, string> = {
  query: 'label_values(up, job)',
  custom: 'a, b, c',
  constant: 'value',
  textbox: 'default text',
  interval: '1m,10m,1h',
  datasource: 'prometheus',
};

/** The form's fields for a variable (Grafana's model keeps the query text in `query` and `definition`). */
interface Form {
  name: string;
  label: string;
  type: string;
  datasource: string;
  query: string;
  regex: string;
  multi: boolean;
  includeAll: boolean;
}

const queryText = (v: VariableModel): string => (typeof v.query === 'string' ? v.query : typeof (v.query as { query?: unknown } | undefined)?.query === 'string' ? String((v.query as { query: string }).query) : (v.definition ?? ''));
const dsUid = (v: VariableModel): string => (typeof v.datasource === 'string' ? v.datasource : (v.datasource?.uid ?? ''));
const formOf = (v: VariableModel): Form => ({ name: v.name, label: v.label ?? '', type: v.type, datasource: dsUid(v), query: queryText(v), regex: v.regex ?? '', multi: v.multi === true, includeAll: v.includeAll === true });

function modelOf(f: Form, datasources: Datasource[]): VariableModel {
  const ds = datasources.find((d) => d.uid === f.datasource);
  const base: VariableModel = { name: f.name, type: f.type, hide: 0, current: {}, options: [] };
  if (f.label) base.label = f.label;
  if (NEEDS_DATASOURCE.has(f.type) && ds) base.datasource = { type: ds.type, uid: ds.uid };
  if (f.type === 'adhoc') return { ...base, filters: [] };
  return {
    ...base,
    query: f.query,
    ...(f.type === 'query' ? { definition: f.query, refresh: 1, regex: f.regex, sort: 0 } : {}),
    ...(f.type === 'query' || f.type === 'custom' || f.type === 'datasource' ? { multi: f.multi, includeAll: f.includeAll } : {}),
  };
}

/**
 * Dashboard settings → Variables: the dashboard's template variables in order, each editable, and a form to add one
 * (name, label, type, datasource and query for query variables, regex, multi-value, include All). Changes go to the
 * dashboard being edited; they are kept when the dashboard is saved.
 */
export function VariablesEditor(props: { dashboard: Dashboard; datasources: Datasource[]; onChange: (d: Dashboard) => void }) {
  const list = props.dashboard.templating?.list ?? [];
  const queryDs = props.datasources.filter((d) => d.type === 'prometheus' || d.type === 'loki');
  const blank = (): Form => ({ name: '', label: '', type: 'query', datasource: queryDs.find((d) => d.isDefault)?.uid ?? queryDs[0]?.uid ?? '', query: '', regex: '', multi: false, includeAll: false });
  // the variable being edited (its name before the edit), or '' for a new one; undefined: the form is closed
  const [editing, setEditing] = useState<string | undefined>();
  const [form, setForm] = useState<Form>(blank);
  const [error, setError] = useState('');
  const set = (f: Partial<Form>) => setForm((x) => ({ ...x, ...f }));
  const open = (v?: VariableModel) => {
    setEditing(v?.name ?? '');
    setForm(v ? formOf(v) : blank());
    setError('');
  };
  const submit = () => {
    const e = variableNameError(props.dashboard, form.name, editing || undefined);
    if (e) return setError(e);
    props.onChange(putVariable(props.dashboard, modelOf(form, props.datasources), editing || form.name));
    setEditing(undefined);
  };

  return (
    <section className="dash-variables" data-testid="variables-editor">
      <h4>Variables</h4>
      {list.length === 0 && <p className="muted">No variables yet.</p>}
      <ul className="dash-variables-list">
        {list.map((v) => (
          <li key={v.name} data-testid="variables-editor-item" data-name={v.name}>
            <code>${v.name}</code> <span className="muted">{v.type}</span> <span className="muted">{queryText(v)}</span>
            <span className="spacer" />
            <button className="link" data-testid="variable-edit" onClick={() => open(v)}>Edit</button>
            <button className="link" data-testid="variable-remove" onClick={() => props.onChange(removeVariable(props.dashboard, v.name))}>Remove</button>
          </li>
        ))}
      </ul>
      {editing === undefined ? (
        <button className="btn secondary" data-testid="variable-new" onClick={() => open()}>+ New variable</button>
      ) : (
        <div className="dash-variable-form" data-testid="variable-form">
          <label>
            Name
            <input data-testid="variable-name" value={form.name} onChange={(e) => set({ name: e.target.value })} />
          </label>
          <label>
            Label
            <input data-testid="variable-label" value={form.label} onChange={(e) => set({ label: e.target.value })} />
          </label>
          <label>
            Type
            <select data-testid="variable-type" value={form.type} onChange={(e) => set({ type: e.target.value })}>
              {TYPES.map(([id, name]) => <option key={id} value={id}>{name}</option>)}
            </select>
          </label>
          {NEEDS_DATASOURCE.has(form.type) && (
            <label>
              Data source
              <select data-testid="variable-datasource" value={form.datasource} onChange={(e) => set({ datasource: e.target.value })}>
                {queryDs.map((d) => <option key={d.uid} value={d.uid}>{d.name}</option>)}
              </select>
            </label>
          )}
          {form.type !== 'adhoc' && (
            <label>
              {form.type === 'query' ? 'Query' : 'Values'}
              <input data-testid="variable-query" value={form.query} placeholder={QUERY_HINT[form.type]} onChange={(e) => set({ query: e.target.value })} />
            </label>
          )}
          {form.type === 'query' && (
            <label>
              Regex
              <input data-testid="variable-regex" value={form.regex} placeholder="/(.*)/" onChange={(e) => set({ regex: e.target.value })} />
            </label>
          )}
          {(form.type === 'query' || form.type === 'custom' || form.type === 'datasource') && (
            <div className="dash-settings-actions">
              <label className="inline"><input type="checkbox" data-testid="variable-multi" checked={form.multi} onChange={(e) => set({ multi: e.target.checked })} /> Multi-value</label>
              <label className="inline"><input type="checkbox" data-testid="variable-include-all" checked={form.includeAll} onChange={(e) => set({ includeAll: e.target.checked })} /> Include All</label>
            </div>
          )}
          {error && <div className="alert error" data-testid="variable-form-error">{error}</div>}
          <div className="dash-settings-actions">
            <button className="btn primary" data-testid="variable-apply" onClick={submit}>{editing ? 'Update' : 'Add variable'}</button>
            <button className="btn secondary" onClick={() => setEditing(undefined)}>Cancel</button>
          </div>
        </div>
      )}
    </section>
  );
}
