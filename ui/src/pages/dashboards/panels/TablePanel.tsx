import { formatUnit, reduce } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { fieldDefaults } from './field';

/**
 * Table panels: one row per label set, the labels as columns and one value column per query (`Value #A`, or
 * `Value` for one query), as Grafana's table format and merge show Prometheus results. Range data is reduced to
 * its last value.
 */
export function TablePanel(props: { panel: Panel; data: PanelData }) {
  const f = fieldDefaults(props.panel);
  const refIds = [...new Set(props.data.series.map((s) => s.refId))];
  const valueCol = (r: string) => (refIds.length > 1 ? `Value #${r}` : 'Value');
  const labelCols = [...new Set(props.data.series.flatMap((s) => Object.keys(s.labels)))].sort();
  const rows = new Map<string, { labels: Record<string, string>; values: Record<string, number | null> }>();
  for (const s of props.data.series) {
    const key = labelCols.map((c) => s.labels[c] ?? '').join('\u0000');
    const row = rows.get(key) ?? { labels: s.labels, values: {} };
    row.values[valueCol(s.refId)] = reduce(s.values, 'lastNotNull');
    rows.set(key, row);
  }
  const valueCols = refIds.map(valueCol);
  return (
    <div className="dash-table">
      <table className="result-table" data-testid="panel-table">
        <thead>
          <tr>
            {labelCols.map((c) => <th key={c}>{c}</th>)}
            {valueCols.map((c) => <th key={c} className="num">{c}</th>)}
          </tr>
        </thead>
        <tbody>
          {[...rows.values()].map((r, i) => (
            <tr key={i}>
              {labelCols.map((c) => <td key={c}>{r.labels[c] ?? ''}</td>)}
              {valueCols.map((c) => <td key={c} className="num">{r.values[c] === undefined ? '' : formatUnit(r.values[c], f.unit, f.decimals)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
