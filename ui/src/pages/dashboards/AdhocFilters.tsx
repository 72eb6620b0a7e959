import { useEffect, useState } from 'react';
import type { Datasource } from '../../lib/api';
import { resolveDatasource } from '../../dashboards/datasource-ref';
import { proxyGet } from '../../dashboards/datasources';
import type { VariableValue } from '../../dashboards/interpolate';
import type { AdhocFilter } from '../../dashboards/model';
import type { VariableState } from '../../dashboards/variables';

const OPERATORS = ['=', '!=', '=~', '!~'];

/** Label names, or one label's values, of a Prometheus or Loki datasource (for the pickers' suggestions). */
function labelsOf(ds: Datasource, key?: string): Promise<string[]> {
  const prefix = ds.type === 'loki' ? '/loki/api/v1' : '/api/v1';
  return proxyGet<string[]>(ds, key ? `${prefix}/label/${encodeURIComponent(key)}/values` : `${prefix}/labels`, {}).then((l) => (l ?? []).filter((n) => n !== '__name__'));
}

/**
 * An ad hoc filters variable in the variable bar: its filters as chips (removable) and a form to add one — the
 * label (names suggested from the datasource), the operator and the value (that label's values suggested).
 */
export function AdhocFilters(props: { state: VariableState; datasources: Datasource[]; vars: ReadonlyMap<string, VariableValue>; onChange: (filters: AdhocFilter[]) => void }) {
  const filters = props.state.filters ?? [];
  const name = props.state.model.name;
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState<AdhocFilter>({ key: '', operator: '=', value: '' });
  const [keys, setKeys] = useState<string[]>([]);
  const [values, setValues] = useState<string[]>([]);
  let ds: Datasource | undefined;
  try {
    ds = resolveDatasource(props.state.model.datasource, props.datasources, props.vars);
  } catch {
    ds = undefined;
  }
  useEffect(() => {
    if (!adding || !ds) return;
    let live = true;
    labelsOf(ds).then((k) => live && setKeys(k), () => undefined);
    return () => {
      live = false;
    };
  }, [adding, ds?.uid]);
  useEffect(() => {
    if (!adding || !ds || !draft.key) return setValues([]);
    let live = true;
    labelsOf(ds, draft.key).then((v) => live && setValues(v), () => undefined);
    return () => {
      live = false;
    };
  }, [adding, ds?.uid, draft.key]);
  const add = () => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(draft.key)) return;
    props.onChange([...filters, draft]);
    setDraft({ key: '', operator: '=', value: '' });
    setAdding(false);
  };
  return (
    <div className="adhoc" data-testid={`var-${name}`}>
      {filters.map((f, i) => (
        <span key={i} className="label-chip" data-testid="adhoc-filter" data-filter={`${f.key}${f.operator}${f.value}`}>
          {f.key} {f.operator} {f.value}
          <button className="link" aria-label={`Remove filter ${f.key}`} data-testid="adhoc-remove" onClick={() => props.onChange(filters.filter((_, k) => k !== i))}>
            ✕
          </button>
        </span>
      ))}
      {adding ? (
        <span className="adhoc-form">
          <input data-testid="adhoc-key" list={`adhoc-keys-${name}`} placeholder="label" value={draft.key} onChange={(e) => setDraft({ ...draft, key: e.target.value })} aria-label="Label" />
          <datalist id={`adhoc-keys-${name}`}>{keys.map((k) => <option key={k} value={k} />)}</datalist>
          <select data-testid="adhoc-operator" value={draft.operator} onChange={(e) => setDraft({ ...draft, operator: e.target.value })} aria-label="Operator">
            {OPERATORS.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
          <input data-testid="adhoc-value" list={`adhoc-values-${name}`} placeholder="value" value={draft.value} onChange={(e) => setDraft({ ...draft, value: e.target.value })} onKeyDown={(e) => e.key === 'Enter' && add()} aria-label="Value" />
          <datalist id={`adhoc-values-${name}`}>{values.map((v) => <option key={v} value={v} />)}</datalist>
          <button className="btn primary" data-testid="adhoc-apply" onClick={add}>Add</button>
          <button className="btn secondary" onClick={() => setAdding(false)}>Cancel</button>
        </span>
      ) : (
        <button className="btn secondary" data-testid="adhoc-add" title="Add a filter" onClick={() => setAdding(true)}>
          +
        </button>
      )}
    </div>
  );
}
