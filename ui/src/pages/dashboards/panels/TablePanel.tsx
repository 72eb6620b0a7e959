import { displayValue } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import { fieldConfigFor } from '../../../dashboards/overrides';
import type { PanelData } from '../../../dashboards/panel-query';
import { applyTransformations, seriesFrames, tableFrames, type Field, type Frame } from '../../../dashboards/transformations';

/**
 * The frame a table panel shows. Without transformations: one row per label set, the labels as columns and one
 * value column per query (`Value #A`, or `Value` for one query), as Grafana's table format and merge show
 * Prometheus results. With transformations: they run on the queries' frames (the table format's frames when the
 * targets ask for `table` or are instant, else a frame per series) and the first resulting frame is shown.
 */
export function tableFrame(panel: Panel, data: PanelData): { frame: Frame | undefined; unsupported: string[] } {
  const list = panel.transformations ?? [];
  if (!list.some((t) => !t.disabled)) return { frame: applyTransformations(tableFrames(data), [{ id: 'merge' }]).frames[0], unsupported: [] };
  const tabular = (panel.targets ?? []).every((t) => t.format === 'table' || t.instant === true);
  const { frames, unsupported } = applyTransformations(tabular ? tableFrames(data) : seriesFrames(data), list);
  return { frame: frames[0], unsupported };
}

function cellText(panel: Panel, field: Field, frame: Frame, v: Field['values'][number]): { text: string; color?: string } {
  if (v === null) return { text: '' };
  if (field.type === 'time') return { text: new Date(Number(v)).toLocaleString() };
  if (typeof v === 'string') return { text: v };
  const config = fieldConfigFor(panel.fieldConfig, { name: field.name, refId: frame.refId, type: field.type });
  const shown = displayValue(v, config);
  const colored = (config.custom as { displayMode?: string; cellOptions?: { type?: string } } | undefined) ?? {};
  return { text: shown.text, ...(colored.displayMode === 'color-text' || colored.cellOptions?.type === 'color-text' ? { color: shown.color } : {}) };
}

/** Table panels: the frame above, numbers with each column's unit, mappings and overrides. */
export function TablePanel(props: { panel: Panel; data: PanelData }) {
  const { frame, unsupported } = tableFrame(props.panel, props.data);
  // columns an override hides (`custom.hidden`, which old exports write as the string "true")
  const hidden = (f: Field) => {
    const h = (fieldConfigFor(props.panel.fieldConfig, { name: f.name, refId: frame?.refId, type: f.type }).custom as { hidden?: unknown } | undefined)?.hidden;
    return h === true || h === 'true';
  };
  const fields = (frame?.fields ?? []).filter((f) => !hidden(f));
  const rows = fields[0]?.values.length ?? 0;
  const title = (f: Field) => fieldConfigFor(props.panel.fieldConfig, { name: f.name, refId: frame?.refId, type: f.type }).displayName || f.name;
  return (
    <div className="dash-table">
      {unsupported.length > 0 && <div className="panel-note" data-testid="panel-unsupported-transform">Transformation not supported: {unsupported.join(', ')}</div>}
      <table className="result-table" data-testid="panel-table">
        <thead>
          <tr>
            {fields.map((f, i) => <th key={i} className={f.type === 'number' ? 'num' : undefined}>{title(f)}</th>)}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, r) => (
            <tr key={r}>
              {fields.map((f, i) => {
                const c = cellText(props.panel, f, frame!, f.values[r] ?? null);
                return <td key={i} className={f.type === 'number' ? 'num' : undefined} style={c.color ? { color: c.color } : undefined}>{c.text}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
