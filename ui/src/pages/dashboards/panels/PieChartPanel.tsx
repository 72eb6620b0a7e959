import { formatUnit } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { pieSlices, slicePath } from '../../../dashboards/panel-shapes';
import { reducedValues, seriesColor } from './field';

/** Pie chart panels (pie or donut): a slice per series' reduced value, with a legend of values and shares. */
export function PieChartPanel(props: { panel: Panel; data: PanelData }) {
  const o = (props.panel.options ?? {}) as { pieType?: string; reduceOptions?: { calcs?: string[] } };
  const values = reducedValues(props.panel, props.data);
  const slices = pieSlices(values.map((v) => ({ name: v.name, values: v.values })), o.reduceOptions?.calcs?.[0] ?? 'lastNotNull');
  const f = props.panel.fieldConfig?.defaults ?? {};
  let at = 0;
  return (
    <div className="piechart" data-testid="panel-piechart">
      <svg viewBox="0 0 100 100" className="piechart-svg">
        {slices.map((s, i) => {
          const d = slicePath(50, 50, 48, o.pieType === 'donut' ? 28 : 0, at, at + s.fraction);
          at += s.fraction;
          return <path key={s.name} d={d} fill={seriesColor(i)} data-testid="pie-slice"><title>{s.name}</title></path>;
        })}
      </svg>
      <ul className="piechart-legend">
        {slices.map((s, i) => (
          <li key={s.name}>
            <span className="legend-swatch" style={{ background: seriesColor(i) }} />
            <span className="legend-name">{s.name}</span> <span className="muted">{formatUnit(s.value, f.unit, f.decimals)} ({(s.fraction * 100).toFixed(1)}%)</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
