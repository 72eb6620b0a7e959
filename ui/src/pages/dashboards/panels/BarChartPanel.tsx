import { displayValue } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { reducedValues, seriesColor } from './field';

/**
 * Bar chart panels: a bar per series' reduced value (Grafana's bar chart over a table's rows: Prometheus instant
 * results give one row per series), vertical unless `orientation: horizontal`, thresholds colouring when set.
 */
export function BarChartPanel(props: { panel: Panel; data: PanelData }) {
  const o = (props.panel.options ?? {}) as { orientation?: string };
  const values = reducedValues(props.panel, props.data);
  const max = Math.max(0, ...values.map((v) => v.value ?? 0));
  const min = Math.min(0, ...values.map((v) => v.value ?? 0));
  const horizontal = o.orientation === 'horizontal';
  const byThresholds = props.panel.fieldConfig?.defaults?.color?.mode === 'thresholds';
  return (
    <div className={horizontal ? 'barchart horizontal' : 'barchart'} data-testid="panel-barchart">
      {values.map((v, i) => {
        const shown = displayValue(v.value, v.config);
        const pct = v.value === null ? 0 : ((v.value - min) / (max - min || 1)) * 100;
        const bar = { background: byThresholds ? shown.color : seriesColor(i), [horizontal ? 'width' : 'height']: `${pct}%` };
        return (
          <div key={i} className="barchart-item" data-testid="bar" title={`${v.name}: ${shown.text}`}>
            <span className="barchart-value">{shown.text}</span>
            <span className="barchart-track"><span className="barchart-bar" style={bar} /></span>
            <span className="barchart-name">{v.name}</span>
          </div>
        );
      })}
    </div>
  );
}
