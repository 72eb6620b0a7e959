import { useState } from 'react';
import type { Datasource } from '../../lib/api';
import type { VariableValue } from '../../dashboards/interpolate';
import type { AdhocFilter } from '../../dashboards/model';
import type { VariableState } from '../../dashboards/variables';
import { AdhocFilters } from './AdhocFilters';

const ALL = '$__all';

/** One variable's picker: a text box, a single select, or a multi-value list with All. */
function VariablePicker(props: { state: VariableState; onChange: (values: string[], isAll: boolean) => void }) {
  const { state: s } = props;
  const m = s.model;
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(s.values[0] ?? '');
  if (m.type === 'textbox') {
    return <input data-testid={`var-${m.name}`} value={text} onChange={(e) => setText(e.target.value)} onBlur={() => props.onChange([text], false)} onKeyDown={(e) => e.key === 'Enter' && props.onChange([text], false)} />;
  }
  const label = s.isAll ? 'All' : s.values.map((v) => s.options.find((o) => o.value === v)?.text ?? v).join(' + ') || 'None';
  if (!m.multi) {
    return (
      <select data-testid={`var-${m.name}`} value={s.isAll ? ALL : (s.values[0] ?? '')} onChange={(e) => props.onChange([e.target.value], e.target.value === ALL)}>
        {m.includeAll && <option value={ALL}>All</option>}
        {s.options.map((o) => <option key={o.value} value={o.value}>{o.text}</option>)}
        {s.options.length === 0 && !m.includeAll && <option value="">None</option>}
      </select>
    );
  }
  const toggle = (v: string) => {
    if (v === ALL) return props.onChange([ALL], true);
    const cur = s.isAll ? [] : s.values;
    const next = cur.includes(v) ? cur.filter((x) => x !== v) : [...cur, v];
    props.onChange(next.length ? next : m.includeAll ? [ALL] : [], next.length === 0 && m.includeAll === true);
  };
  return (
    <div className="var-multi">
      <button className="btn secondary" data-testid={`var-${m.name}`} onClick={() => setOpen(!open)}>
        {label} ▾
      </button>
      {open && (
        <ul className="var-options" role="listbox" onMouseLeave={() => setOpen(false)}>
          {m.includeAll && (
            <li>
              <label><input type="checkbox" checked={s.isAll} onChange={() => toggle(ALL)} /> All</label>
            </li>
          )}
          {s.options.map((o) => (
            <li key={o.value}>
              <label><input type="checkbox" checked={!s.isAll && s.values.includes(o.value)} onChange={() => toggle(o.value)} /> {o.text}</label>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The variable bar at the top of a dashboard; hidden variables (hide: 2) and constants are not shown. */
export function VariableBar(props: {
  states: VariableState[];
  onChange: (index: number, values: string[], isAll: boolean) => void;
  onAdhoc: (index: number, filters: AdhocFilter[]) => void;
  datasources: Datasource[];
  vars: ReadonlyMap<string, VariableValue> | undefined;
}) {
  const shown = props.states.map((s, i) => ({ s, i })).filter(({ s }) => s.model.hide !== 2 && s.model.type !== 'constant');
  if (shown.length === 0) return null;
  return (
    <div className="var-bar" data-testid="variable-bar">
      {shown.map(({ s, i }) => (
        <div key={s.model.name} className="var-item" data-testid="variable" data-name={s.model.name} data-options={s.options.length} data-value={s.isAll ? ALL : s.values.join(',')} data-filters={s.filters?.length}>
          {s.model.hide !== 1 && <span className="var-label">{s.model.label || s.model.name}</span>}
          {s.model.type === 'adhoc' ? (
            <AdhocFilters state={s} datasources={props.datasources} vars={props.vars ?? new Map()} onChange={(f) => props.onAdhoc(i, f)} />
          ) : (
            <VariablePicker key={s.values.join(',')} state={s} onChange={(v, all) => props.onChange(i, v, all)} />
          )}
          {s.error && (
            <span className="panel-error-badge" data-testid="variable-error" title={s.error}>
              ⚠ {s.error}
            </span>
          )}
        </div>
      ))}
    </div>
  );
}
