import { useEffect, useState } from 'react';
import { listDatasources, type Datasource } from '../lib/api';
import type { DerivedField } from '../lib/logs';
import { DerivedFieldsTester } from './DerivedFieldsTester';

type Json = Record<string, unknown>;

interface FormProps {
  jsonData: Json;
  onChange: (jsonData: Json) => void;
  /** The saved datasource's uid (none while it is new): what the Loki form's tester reads recent lines from. */
  savedUid?: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
/** Set or drop (empty) one key. */
const put = (o: Json, key: string, value: unknown): Json => {
  const next = { ...o };
  if (value === '' || value === undefined) delete next[key];
  else next[key] = value;
  return next;
};

function useDatasources(type: string): Datasource[] {
  const [list, setList] = useState<Datasource[]>([]);
  useEffect(() => {
    listDatasources().then((l) => setList(l.filter((d) => d.type === type)), () => setList([]));
  }, [type]);
  return list;
}

function DatasourceSelect(props: { label: string; type: string; value: string; onChange: (uid: string) => void; testId: string }) {
  const list = useDatasources(props.type);
  return (
    <label>
      {props.label}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">none</option>
        {list.map((d) => (
          <option key={d.uid} value={d.uid}>{d.name}</option>
        ))}
      </select>
    </label>
  );
}

function TextField(props: { label: string; value: string; onChange: (v: string) => void; name: string; placeholder?: string }) {
  return (
    <label>
      {props.label}
      <input name={props.name} placeholder={props.placeholder} value={props.value} onChange={(e) => props.onChange(e.target.value)} />
    </label>
  );
}

/** Prometheus settings as Grafana's page: scrape interval, query timeout, HTTP method. */
function PrometheusSettings({ jsonData, onChange }: FormProps) {
  return (
    <div className="row">
      <TextField name="timeInterval" label="Scrape interval" placeholder="15s" value={str(jsonData.timeInterval)} onChange={(v) => onChange(put(jsonData, 'timeInterval', v))} />
      <TextField name="queryTimeout" label="Query timeout" placeholder="60s" value={str(jsonData.queryTimeout)} onChange={(v) => onChange(put(jsonData, 'queryTimeout', v))} />
      <label>
        HTTP method
        <select name="httpMethod" value={str(jsonData.httpMethod) || 'POST'} onChange={(e) => onChange(put(jsonData, 'httpMethod', e.target.value))}>
          <option value="POST">POST</option>
          <option value="GET">GET</option>
        </select>
      </label>
    </div>
  );
}

/** Loki settings: maximum lines, and derived fields with a live tester over the datasource's recent lines. */
function LokiSettings({ jsonData, onChange, savedUid }: FormProps) {
  const fields = (Array.isArray(jsonData.derivedFields) ? jsonData.derivedFields : []) as DerivedField[];
  const tempo = useDatasources('tempo');
  const setFields = (next: DerivedField[]) => onChange(put(jsonData, 'derivedFields', next.length ? next : undefined));
  const setField = (i: number, patch: Partial<DerivedField>) => setFields(fields.map((f, j) => (j === i ? Object.fromEntries(Object.entries({ ...f, ...patch }).filter(([, v]) => v !== '')) as unknown as DerivedField : f)));
  return (
    <>
      <TextField name="maxLines" label="Maximum lines" placeholder="1000" value={str(jsonData.maxLines)} onChange={(v) => onChange(put(jsonData, 'maxLines', v))} />
      <fieldset className="form subform" data-testid="derived-fields">
        <legend>Derived fields</legend>
        {fields.map((f, i) => (
          <div key={i} className="row wrap" data-testid="derived-field">
            <TextField name="df-name" label="Name" value={f.name ?? ''} onChange={(v) => setField(i, { name: v })} />
            <TextField name="df-regex" label="Regex" placeholder={'"trace_id":"(\\w+)"'} value={f.matcherRegex ?? ''} onChange={(v) => setField(i, { matcherRegex: v })} />
            <TextField name="df-url" label={f.datasourceUid ? 'Query' : 'URL'} placeholder={f.datasourceUid ? '${__value.raw}' : 'https://…/${__value.raw}'} value={f.url ?? ''} onChange={(v) => setField(i, { url: v })} />
            <DatasourceSelect label="Internal link (Tempo)" type="tempo" testId="df-datasource" value={f.datasourceUid ?? ''} onChange={(uid) => setField(i, { datasourceUid: uid })} />
            <TextField name="df-label" label="URL label" value={f.urlDisplayLabel ?? ''} onChange={(v) => setField(i, { urlDisplayLabel: v })} />
            <button type="button" className="btn secondary small" aria-label={`Remove derived field ${f.name}`} onClick={() => setFields(fields.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        <div>
          <button type="button" className="btn secondary small" onClick={() => setFields([...fields, { name: '', matcherRegex: '', url: '' }])}>Add derived field</button>
        </div>
        {fields.length > 0 && <DerivedFieldsTester uid={savedUid} fields={fields} datasources={tempo} />}
      </fieldset>
    </>
  );
}

/** Tempo settings: trace to logs (Loki datasource, tags, filters, time shifts) and the service graph's Prometheus. */
function TempoSettings({ jsonData, onChange }: FormProps) {
  const t2l = obj(jsonData.tracesToLogs);
  const setT2l = (key: string, value: unknown) => onChange(put(jsonData, 'tracesToLogs', put(t2l, key, value)));
  const tags = (Array.isArray(t2l.tags) ? t2l.tags : []).map((t) => (typeof t === 'string' ? t : str(obj(t).key))).join(', ');
  return (
    <>
      <fieldset className="form subform" data-testid="traces-to-logs">
        <legend>Trace to logs</legend>
        <DatasourceSelect label="Data source" type="loki" testId="t2l-datasource" value={str(t2l.datasourceUid)} onChange={(uid) => setT2l('datasourceUid', uid)} />
        <TextField name="t2l-tags" label="Tags (span attributes as Loki labels, comma-separated)" placeholder="namespace, pod" value={tags} onChange={(v) => setT2l('tags', v.split(',').map((s) => s.trim()).filter(Boolean).map((key) => ({ key })))} />
        <div className="row">
          <TextField name="t2l-start" label="Span start time shift" placeholder="-1m" value={str(t2l.spanStartTimeShift)} onChange={(v) => setT2l('spanStartTimeShift', v)} />
          <TextField name="t2l-end" label="Span end time shift" placeholder="1m" value={str(t2l.spanEndTimeShift)} onChange={(v) => setT2l('spanEndTimeShift', v)} />
        </div>
        <label className="check">
          <input type="checkbox" name="t2l-trace" checked={t2l.filterByTraceID === true} onChange={(e) => setT2l('filterByTraceID', e.target.checked || undefined)} /> Filter by trace ID
        </label>
        <label className="check">
          <input type="checkbox" name="t2l-span" checked={t2l.filterBySpanID === true} onChange={(e) => setT2l('filterBySpanID', e.target.checked || undefined)} /> Filter by span ID
        </label>
      </fieldset>
      <TracesToMetricsForm jsonData={jsonData} onChange={onChange} />
      <fieldset className="form subform">
        <legend>Service graph</legend>
        <DatasourceSelect label="Prometheus data source" type="prometheus" testId="service-map-datasource" value={str(obj(jsonData.serviceMap).datasourceUid)} onChange={(uid) => onChange(put(jsonData, 'serviceMap', uid ? { datasourceUid: uid } : undefined))} />
      </fieldset>
    </>
  );
}

/** A comma-separated `key` or `key=label` list, kept as typed (a trailing comma or `=` survives) and parsed on each change. */
function TagListField(props: { name: string; label: string; placeholder: string; initial: string; onChange: (list: { key: string; value?: string }[]) => void }) {
  const [text, setText] = useState(props.initial);
  return (
    <TextField
      name={props.name}
      label={props.label}
      placeholder={props.placeholder}
      value={text}
      onChange={(v) => {
        setText(v);
        props.onChange(v.split(',').map((x) => x.trim()).filter(Boolean).map((kv) => { const [key, value] = kv.split('=').map((x) => x.trim()); return value ? { key, value } : { key }; }));
      }}
    />
  );
}

/** Tempo's trace to metrics (Grafana's `tracesToMetrics`): a Prometheus datasource, span tags as labels, named queries with `$__tags`. */
function TracesToMetricsForm({ jsonData, onChange }: FormProps) {
  const t2m = obj(jsonData.tracesToMetrics);
  const setT2m = (key: string, value: unknown) => onChange(put(jsonData, 'tracesToMetrics', put(t2m, key, value)));
  const tags = (Array.isArray(t2m.tags) ? t2m.tags : []).map((t) => (typeof t === 'string' ? t : obj(t).value ? `${str(obj(t).key)}=${str(obj(t).value)}` : str(obj(t).key))).join(', ');
  const queries = (Array.isArray(t2m.queries) ? t2m.queries : []).map((q) => ({ name: str(obj(q).name), query: str(obj(q).query) }));
  const setQuery = (i: number, key: 'name' | 'query', v: string) => setT2m('queries', queries.map((q, j) => (j === i ? { ...q, [key]: v } : q)));
  return (
    <fieldset className="form subform" data-testid="traces-to-metrics">
      <legend>Trace to metrics</legend>
      <DatasourceSelect label="Data source" type="prometheus" testId="t2m-datasource" value={str(t2m.datasourceUid)} onChange={(uid) => setT2m('datasourceUid', uid)} />
      <TagListField name="t2m-tags" label="Tags (span attributes as metric labels, comma-separated; key=label to rename)" placeholder="service.name=service" initial={tags} onChange={(list) => setT2m('tags', list)} />
      {queries.map((q, i) => (
        <div className="row" key={i}>
          <TextField name={`t2m-query-name-${i}`} label="Link label" placeholder="Request rate" value={q.name} onChange={(v) => setQuery(i, 'name', v)} />
          <TextField name={`t2m-query-${i}`} label="Query ($__tags is replaced by the span's labels)" placeholder="sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))" value={q.query} onChange={(v) => setQuery(i, 'query', v)} />
          <button type="button" className="btn secondary small" aria-label={`Remove query ${i + 1}`} onClick={() => setT2m('queries', queries.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="btn secondary small" onClick={() => setT2m('queries', [...queries, { name: '', query: '' }])}>
        Add query
      </button>
    </fieldset>
  );
}

/** The type's settings form over `jsonData` (Grafana's per-type settings page); other types have none. */
export function DatasourceSettings(props: FormProps & { type: string }) {
  if (props.type === 'prometheus') return <PrometheusSettings {...props} />;
  if (props.type === 'loki') return <LokiSettings {...props} />;
  if (props.type === 'tempo') return <TempoSettings {...props} />;
  return null;
}

/**
 * Custom HTTP headers sent to the datasource (Grafana's `jsonData.httpHeaderName<N>` with the value in
 * `secureJsonData.httpHeaderValue<N>`): a removed header's number is not reused, so stored values stay with their names.
 */
export function CustomHeaders(props: { jsonData: Json; configured: Record<string, boolean>; values: Record<string, string>; onChange: (jsonData: Json, values: Record<string, string>) => void }) {
  const numbers = Object.keys(props.jsonData).map((k) => /^httpHeaderName(\d+)$/.exec(k)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => a - b);
  const add = () => {
    const n = Math.max(0, ...numbers) + 1;
    props.onChange({ ...props.jsonData, [`httpHeaderName${n}`]: '' }, props.values);
  };
  const remove = (n: number) => {
    const { [`httpHeaderName${n}`]: _gone, ...rest } = props.jsonData;
    void _gone;
    const { [`httpHeaderValue${n}`]: _v, ...values } = props.values;
    void _v;
    props.onChange(rest, values);
  };
  return (
    <fieldset className="form subform" data-testid="custom-headers">
      <legend>Custom HTTP headers</legend>
      {numbers.map((n) => (
        <div key={n} className="row wrap" data-testid="custom-header">
          <TextField name={`header-name-${n}`} label="Header" placeholder="X-Scope-OrgID" value={str(props.jsonData[`httpHeaderName${n}`])} onChange={(v) => props.onChange({ ...props.jsonData, [`httpHeaderName${n}`]: v }, props.values)} />
          <label>
            Value
            <input
              name={`header-value-${n}`}
              type="password"
              placeholder={props.configured[`httpHeaderValue${n}`] ? 'configured' : ''}
              value={props.values[`httpHeaderValue${n}`] ?? ''}
              onChange={(e) => props.onChange(props.jsonData, { ...props.values, [`httpHeaderValue${n}`]: e.target.value })}
            />
          </label>
          <button type="button" className="btn secondary small" onClick={() => remove(n)}>Remove</button>
        </div>
      ))}
      <div>
        <button type="button" className="btn secondary small" onClick={add}>Add header</button>
      </div>
    </fieldset>
  );
}
