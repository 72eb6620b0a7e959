import { useEffect, useState } from 'react';
import { Graph } from '../../components/Graph';
import { apiFetch, listDatasources, proxyPath, type Datasource } from '../../lib/api';
import { matrixToGraph, type GraphData, type PromSeries } from '../../lib/prometheus';
import { navigate, useLocation } from '../../lib/router';
import { formatPairs, grafanaApi, parsePairs, type GrafanaRule } from './grafana-api';

type Evaluator = 'gt' | 'lt' | 'none';

interface Form {
  uid?: string;
  title: string;
  dsUid: string;
  expr: string;
  evaluator: Evaluator;
  threshold: string;
  folder: string;
  group: string;
  interval: string;
  pending: string;
  labels: string;
  summary: string;
  description: string;
}

const EMPTY: Form = { title: '', dsUid: '', expr: '', evaluator: 'gt', threshold: '0', folder: 'alerts', group: 'default', interval: '60', pending: '5m', labels: '', summary: '', description: '' };

/** A stored rule as the form: query A and, when present, threshold C over it. */
function toForm(r: GrafanaRule): Form {
  const a = r.data.find((q) => q.datasourceUid !== '__expr__');
  const t = r.data.find((q) => q.refId === r.condition && q.model.type === 'threshold');
  const ev = (t?.model.conditions as { evaluator: { type: string; params: number[] } }[] | undefined)?.[0]?.evaluator;
  const { summary = '', description = '', ...rest } = r.annotations;
  void rest;
  return {
    uid: r.uid,
    title: r.title,
    dsUid: a?.datasourceUid ?? '',
    expr: String(a?.model.expr ?? ''),
    evaluator: ev ? (ev.type === 'lt' ? 'lt' : 'gt') : 'none',
    threshold: String(ev?.params[0] ?? 0),
    folder: r.folderUID,
    group: r.ruleGroup,
    interval: String(r.intervalSeconds ?? 60),
    pending: r.for,
    labels: formatPairs(r.labels),
    summary,
    description,
  };
}

/** The form as Grafana's rule JSON: query A, threshold C (`IS ABOVE`/`IS BELOW`) unless the query is the condition. */
function toRule(f: Form): GrafanaRule {
  const data: GrafanaRule['data'] = [{ refId: 'A', datasourceUid: f.dsUid, relativeTimeRange: { from: 600, to: 0 }, model: { refId: 'A', expr: f.expr } }];
  if (f.evaluator !== 'none') data.push({ refId: 'C', datasourceUid: '__expr__', model: { refId: 'C', type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: f.evaluator, params: [Number(f.threshold)] } }] } });
  const annotations: Record<string, string> = {};
  if (f.summary) annotations.summary = f.summary;
  if (f.description) annotations.description = f.description;
  return { uid: f.uid, title: f.title, folderUID: f.folder, ruleGroup: f.group, condition: f.evaluator === 'none' ? 'A' : 'C', data, for: f.pending, labels: parsePairs(f.labels), annotations, intervalSeconds: Number(f.interval) };
}

function Preview(p: { ds?: Datasource; expr: string; threshold?: number }) {
  const [state, setState] = useState<{ graph?: GraphData; error?: string }>({});
  useEffect(() => {
    if (!p.ds || !p.expr.trim()) return setState({});
    const end = Math.floor(Date.now() / 1000);
    const start = end - 600;
    const step = 5;
    const path = p.ds.type === 'loki' ? '/loki/api/v1/query_range' : '/api/v1/query_range';
    const q = new URLSearchParams({ query: p.expr, start: String(start), end: String(end), step: String(step) });
    apiFetch<{ data: { result: PromSeries[] } }>(`${proxyPath(p.ds.uid)}${path}?${q}`).then(
      (r) => setState({ graph: matrixToGraph(r.data.result, start, end, step, '') }),
      (e: Error) => setState({ error: e.message }),
    );
  }, [p.ds, p.expr]);
  if (state.error) return <div className="alert error" data-testid="rule-preview-error">{state.error}</div>;
  if (!state.graph) return <div className="muted">Run the query to preview it.</div>;
  return (
    <div data-testid="rule-preview">
      <Graph data={state.graph} options={{ stacked: false, unit: 'short' }} height={200} />
      <div className="muted">{state.graph.series.length} series · last value {state.graph.series.map((s) => s.values.filter((v) => v !== null).at(-1)).join(', ')}{p.threshold !== undefined ? ` · threshold ${p.threshold}` : ''}</div>
    </div>
  );
}

/** Alerting → New/Edit alert rule: a Grafana-managed rule from a PromQL or LogQL query, its condition, evaluation and details. */
export function RuleEditorPage() {
  const { path } = useLocation();
  const uid = /^\/alerting\/grafana\/([^/]+)\/(edit|view)$/.exec(path)?.[1];
  const [form, setForm] = useState<Form | undefined>(uid ? undefined : EMPTY);
  const [sources, setSources] = useState<Datasource[]>([]);
  const [error, setError] = useState('');
  const [previewExpr, setPreviewExpr] = useState('');
  useEffect(() => {
    listDatasources().then((l) => {
      const ds = l.filter((d) => d.type === 'prometheus' || d.type === 'loki');
      setSources(ds);
      setForm((f) => (f && !f.dsUid ? { ...f, dsUid: (ds.find((d) => d.isDefault) ?? ds[0])?.uid ?? '' } : f));
    }, (e: Error) => setError(e.message));
    if (uid) grafanaApi.rule(decodeURIComponent(uid)).then((r) => setForm(toForm(r)), (e: Error) => setError(e.message));
  }, [uid]);
  if (!form) return <div className="page">{error ? <div className="alert error">{error}</div> : <div className="muted">Loading…</div>}</div>;
  const set = (k: keyof Form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => setForm({ ...form, [k]: e.target.value });
  const ds = sources.find((d) => d.uid === form.dsUid);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      await grafanaApi.saveRule(toRule(form));
      navigate('/alerting/list');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="page rule-editor" data-testid="rule-editor" onSubmit={(e) => void save(e)}>
      <h2>{uid ? 'Edit alert rule' : 'New alert rule'}</h2>
      {error && <div className="alert error" role="alert">{error}</div>}
      <h3>1. Name</h3>
      <label>Rule name <input name="title" required value={form.title} onChange={set('title')} /></label>
      <h3>2. Query and condition</h3>
      <label>
        Data source
        <select name="datasource" value={form.dsUid} onChange={set('dsUid')}>
          {sources.map((d) => <option key={d.uid} value={d.uid}>{d.name} ({d.type === 'loki' ? 'LogQL' : 'PromQL'})</option>)}
        </select>
      </label>
      <label>Query (A) <textarea name="expr" className="mono" rows={3} required value={form.expr} onChange={set('expr')} /></label>
      <div className="toolbar">
        <button type="button" data-testid="rule-preview-run" onClick={() => setPreviewExpr(form.expr)}>Preview</button>
      </div>
      <Preview ds={ds} expr={previewExpr} threshold={form.evaluator === 'none' ? undefined : Number(form.threshold)} />
      <label>
        Condition
        <select name="evaluator" value={form.evaluator} onChange={set('evaluator')}>
          <option value="gt">IS ABOVE</option>
          <option value="lt">IS BELOW</option>
          <option value="none">The query is the condition (every result alerts)</option>
        </select>
      </label>
      {form.evaluator !== 'none' && <label>Threshold <input name="threshold" type="number" step="any" value={form.threshold} onChange={set('threshold')} /></label>}
      <h3>3. Evaluation</h3>
      <label>Folder <input name="folder" required value={form.folder} onChange={set('folder')} /></label>
      <label>Evaluation group <input name="group" required value={form.group} onChange={set('group')} /></label>
      <label>Evaluate every (seconds) <input name="interval" type="number" min="1" required value={form.interval} onChange={set('interval')} /></label>
      <label>Pending period <input name="for" value={form.pending} onChange={set('pending')} placeholder="5m" /></label>
      <h3>4. Labels and notifications</h3>
      <label>Labels (one name=value per line) <textarea name="labels" className="mono" rows={3} value={form.labels} onChange={set('labels')} /></label>
      <h3>5. Annotations</h3>
      <label>Summary <input name="summary" value={form.summary} onChange={set('summary')} /></label>
      <label>Description <textarea name="description" rows={2} value={form.description} onChange={set('description')} /></label>
      <div className="toolbar">
        <button type="submit" className="primary">Save rule and exit</button>
        <button type="button" onClick={() => navigate('/alerting/list')}>Cancel</button>
      </div>
    </form>
  );
}
