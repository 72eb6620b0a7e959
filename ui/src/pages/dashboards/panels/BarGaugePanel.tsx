import { displayValue } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { fieldDefaults, reducedValues } from './field';

/** Bar gauge panels: one horizontal bar per series, filled from min to max and coloured by thresholds. */
export function BarGaugePanel(props: { panel: Panel; data: PanelData }) {
  const f = fieldDefaults(props.panel);
  const values = reducedValues(props.panel, props.data);
  const min = f.min ?? 0;
  const max = f.max ?? Math.max(100, ...values.map((v) => v.value ?? 0));
  return (
    <div className="bargauge">
      {values.map((v, i) => {
        const shown = displayValue(v.value, v.config);
        const pct = v.value === null ? 0 : Math.min(100, Math.max(0, ((v.value - min) / (max - min || 1)) * 100));
        return (
          <div key={i} className="bargauge-row" data-testid="bargauge-value">
            <span className="bargauge-name" title={v.name}>{v.name}</span>
            <span className="bargauge-track">
              <span className="bargauge-fill" style={{ width: `${pct}%`, background: shown.color }} />
            </span>
            <span className="bargauge-text" style={{ color: shown.color }}>{shown.text}</span>
          </div>
        );
      })}
    </div>
  );
}
