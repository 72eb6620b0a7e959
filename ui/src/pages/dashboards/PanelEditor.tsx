import { useMemo, useState } from 'react';
import { LogqlEditor } from '../../components/LogqlEditor';
import { PromqlEditor } from '../../components/PromqlEditor';
import { TraceqlEditor } from '../../components/TraceqlEditor';
import { proxyPath, type Datasource } from '../../lib/api';
import { GRID_COLUMNS } from '../../dashboards/layout';
import type { FieldDefaults, Panel, Target } from '../../dashboards/model';
import type { QueryContext } from '../../dashboards/panel-query';
import { PanelView } from './PanelView';

/** The visualizations the picker offers (Grafana's plugin ids) and their names. */
const VISUALIZATIONS: [string, string][] = [
  ['timeseries', 'Time series'],
  ['stat', 'Stat'],
  ['gauge', 'Gauge'],
  ['bargauge', 'Bar gauge'],
  ['table', 'Table'],
  ['barchart', 'Bar chart'],
  ['piechart', 'Pie chart'],
  ['state-timeline', 'State timeline'],
  ['heatmap', 'Heatmap'],
  ['logs', 'Logs'],
  ['text', 'Text'],
];

/** Units offered in the unit field's list (Grafana's ids; any other id can be typed). */
const UNITS = ['short', 'percent', 'percentunit', 'bytes', 'decbytes', 'bps', 'Bps', 'reqps', 'ops', 's', 'ms', 'µs', 'ns', 'dtdurations', 'none'];

const QUERY_DATASOURCES = new Set(['prometheus', 'loki', 'tempo']);
const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const numberOrNull = (s: string) => (s.trim() === '' || !Number.isFinite(Number(s)) ? null : Number(s));

/** The datasource a panel's datasource ref names (by uid, or by name as old dashboards do), else the default. */
function panelDatasource(panel: Panel, list: Datasource[]): Datasource | undefined {
  const ref = panel.datasource;
  const byRef = typeof ref === 'string' ? list.find((d) => d.name === ref || d.uid === ref) : ref?.uid ? list.find((d) => d.uid === ref.uid) : undefined;
  return byRef ?? list.find((d) => d.isDefault && QUERY_DATASOURCES.has(d.type)) ?? list.find((d) => QUERY_DATASOURCES.has(d.type));
}

/** One query's expression editor: Explore's PromQL, LogQL or TraceQL editor by the datasource, a text box otherwise. */
function QueryField(props: { ds: Datasource | undefined; value: string; onChange: (v: string) => void; onRun: () => void }) {
  const url = props.ds ? proxyPath(props.ds.uid) : '';
  if (props.ds?.type === 'prometheus') return <PromqlEditor value={props.value} datasourceUrl={url} onChange={props.onChange} onRun={props.onRun} />;
  if (props.ds?.type === 'loki') return <LogqlEditor value={props.value} datasourceUrl={url} onChange={props.onChange} onRun={props.onRun} />;
  if (props.ds?.type === 'tempo') return <TraceqlEditor value={props.value} datasourceUrl={url} onChange={props.onChange} onRun={props.onRun} />;
  return <textarea data-testid="query-text" value={props.value} onChange={(e) => props.onChange(e.target.value)} rows={2} />;
}

/**
 * Grafana's panel editor: a live preview over the queries (each with the datasource's editor from Explore, a legend
 * and the datasource picker), and on the side the visualization picker, title, description, standard options (unit,
 * decimals, min, max) and the panel's place on the grid. The preview queries again when "Run queries" is pressed
 * (or Shift+Enter in an editor); other options redraw at once. Apply hands the panel back; Discard drops the changes.
 */
export function PanelEditor(props: { panel: Panel; datasources: Datasource[]; ctx: QueryContext; onApply: (p: Panel) => void; onDiscard: () => void }) {
  const [panel, setPanel] = useState<Panel>(props.panel);
  // the queries as typed; the preview runs the last ones run
  const [drafts, setDrafts] = useState<Target[]>(props.panel.targets?.length ? props.panel.targets : [{ refId: 'A', expr: '' }]);
  const ds = panelDatasource(panel, props.datasources);
  const defaults: FieldDefaults = panel.fieldConfig?.defaults ?? {};
  const setDefaults = (f: Partial<FieldDefaults>) => setPanel((p) => ({ ...p, fieldConfig: { ...p.fieldConfig, defaults: { ...p.fieldConfig?.defaults, ...f }, overrides: p.fieldConfig?.overrides ?? [] } }));
  const grid = panel.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
  const setGrid = (k: 'x' | 'y' | 'w' | 'h', v: string) => {
    const n = Math.round(Number(v));
    if (!Number.isFinite(n)) return;
    const g = { ...grid, [k]: k === 'w' ? Math.min(GRID_COLUMNS, Math.max(1, n)) : k === 'h' ? Math.max(1, n) : Math.max(0, n) };
    g.x = Math.min(g.x, GRID_COLUMNS - g.w);
    setPanel((p) => ({ ...p, gridPos: g }));
  };
  const run = (targets = drafts) => setPanel((p) => ({ ...p, targets }));
  const setDraft = (i: number, t: Partial<Target>) => setDrafts((ts) => ts.map((x, k) => (k === i ? { ...x, ...t } : x)));
  const setDatasource = (uid: string) => {
    const d = props.datasources.find((x) => x.uid === uid);
    if (!d) return;
    const ref = { type: d.type, uid: d.uid };
    const targets = drafts.map((t) => ({ ...t, datasource: ref }));
    setDrafts(targets);
    setPanel((p) => ({ ...p, datasource: ref, targets }));
  };
  const addQuery = () => {
    const used = new Set(drafts.map((t) => t.refId));
    const refId = [...REF_IDS].find((r) => !used.has(r)) ?? `Q${drafts.length}`;
    setDrafts([...drafts, { refId, expr: '', ...(ds ? { datasource: { type: ds.type, uid: ds.uid } } : {}) }]);
  };
  const applied = (): Panel => ({ ...panel, targets: drafts });
  const previewPanel = useMemo(() => panel, [panel]);
  const type = panel.type ?? 'timeseries';

  return (
    <div className="panel-editor" data-testid="panel-editor">
      <div className="panel-editor-head">
        <h3>{props.panel.title ? `Edit panel: ${props.panel.title}` : 'New panel'}</h3>
        <span className="spacer" />
        <button className="btn secondary" data-testid="panel-editor-discard" onClick={props.onDiscard}>Discard</button>
        <button className="btn primary" data-testid="panel-editor-apply" onClick={() => props.onApply(applied())}>Apply</button>
      </div>
      <div className="panel-editor-body">
        <div className="panel-editor-main">
          <div className="panel-editor-preview" data-testid="panel-editor-preview">
            <PanelView panel={previewPanel} ctx={props.ctx} h={Math.max(6, Math.min(12, grid.h))} onState={() => undefined} />
          </div>
          <div className="panel-editor-queries">
            <div className="panel-editor-row">
              <label>
                Data source
                <select data-testid="panel-datasource" value={ds?.uid ?? ''} onChange={(e) => setDatasource(e.target.value)}>
                  {props.datasources.filter((d) => QUERY_DATASOURCES.has(d.type)).map((d) => <option key={d.uid} value={d.uid}>{d.name}</option>)}
                </select>
              </label>
              <span className="spacer" />
              <button className="btn secondary" data-testid="panel-add-query" onClick={addQuery}>+ Query</button>
              <button className="btn primary" data-testid="panel-run-queries" onClick={() => run()}>Run queries</button>
            </div>
            {drafts.map((t, i) => (
              <div key={t.refId ?? i} className="panel-editor-query" data-testid="panel-query" data-ref-id={t.refId}>
                <div className="panel-editor-row">
                  <strong>{t.refId}</strong>
                  <span className="spacer" />
                  {drafts.length > 1 && (
                    <button className="link" data-testid="panel-remove-query" onClick={() => setDrafts(drafts.filter((_, k) => k !== i))}>Remove</button>
                  )}
                </div>
                <QueryField ds={ds} value={t.expr ?? t.query ?? ''} onChange={(v) => setDraft(i, ds?.type === 'tempo' ? { query: v } : { expr: v })} onRun={() => run()} />
                {ds?.type !== 'tempo' && (
                  <label>
                    Legend
                    <input data-testid="panel-legend-format" value={t.legendFormat ?? ''} placeholder="{{label}}" onChange={(e) => setDraft(i, { legendFormat: e.target.value })} />
                  </label>
                )}
              </div>
            ))}
          </div>
        </div>
        <aside className="panel-editor-options" data-testid="panel-editor-options">
          <label>
            Visualization
            <select data-testid="panel-type" value={type} onChange={(e) => setPanel((p) => ({ ...p, type: e.target.value, options: {} }))}>
              {VISUALIZATIONS.map(([id, name]) => <option key={id} value={id}>{name}</option>)}
            </select>
          </label>
          <label>
            Title
            <input data-testid="panel-title" value={panel.title ?? ''} onChange={(e) => setPanel((p) => ({ ...p, title: e.target.value }))} />
          </label>
          <label>
            Description
            <input data-testid="panel-description" value={panel.description ?? ''} onChange={(e) => setPanel((p) => ({ ...p, description: e.target.value }))} />
          </label>
          <h4>Standard options</h4>
          <label>
            Unit
            <input data-testid="panel-unit" list="panel-units" value={defaults.unit ?? ''} placeholder="short" onChange={(e) => setDefaults({ unit: e.target.value || undefined })} />
            <datalist id="panel-units">{UNITS.map((u) => <option key={u} value={u} />)}</datalist>
          </label>
          <div className="panel-editor-row">
            <label>
              Decimals
              <input data-testid="panel-decimals" type="number" min={0} value={defaults.decimals ?? ''} onChange={(e) => setDefaults({ decimals: numberOrNull(e.target.value) })} />
            </label>
            <label>
              Min
              <input data-testid="panel-min" type="number" value={defaults.min ?? ''} onChange={(e) => setDefaults({ min: numberOrNull(e.target.value) })} />
            </label>
            <label>
              Max
              <input data-testid="panel-max" type="number" value={defaults.max ?? ''} onChange={(e) => setDefaults({ max: numberOrNull(e.target.value) })} />
            </label>
          </div>
          <h4>Grid position</h4>
          <div className="panel-editor-row">
            {(['x', 'y', 'w', 'h'] as const).map((k) => (
              <label key={k}>
                {k === 'w' ? 'Width' : k === 'h' ? 'Height' : k.toUpperCase()}
                <input data-testid={`panel-grid-${k}`} type="number" min={k === 'w' || k === 'h' ? 1 : 0} max={k === 'w' ? GRID_COLUMNS : undefined} value={grid[k]} onChange={(e) => setGrid(k, e.target.value)} />
              </label>
            ))}
          </div>
        </aside>
      </div>
    </div>
  );
}
