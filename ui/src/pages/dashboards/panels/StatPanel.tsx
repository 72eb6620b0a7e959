import { displayValue } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { reducedValues } from './field';

/** A small sparkline of the series behind a stat value. */
function Sparkline(props: { values: (number | null)[]; color: string }) {
  const pts = props.values.map((v, i) => [i, v] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  if (pts.length < 2) return null;
  const min = Math.min(...pts.map((p) => p[1]));
  const max = Math.max(...pts.map((p) => p[1]));
  const n = props.values.length - 1 || 1;
  const d = pts.map(([i, v], k) => `${k ? 'L' : 'M'}${((i / n) * 100).toFixed(2)},${(30 - ((v - min) / (max - min || 1)) * 28).toFixed(2)}`).join('');
  return (
    <svg className="stat-spark" viewBox="0 0 100 30" preserveAspectRatio="none" aria-hidden>
      <path d={`${d}L100,30L0,30Z`} fill={props.color} fillOpacity={0.18} stroke="none" />
      <path d={d} fill="none" stroke={props.color} strokeWidth={1.2} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

/** Stat panels: one big value per series (reduced as `reduceOptions` says), coloured by thresholds or mappings. */
export function StatPanel(props: { panel: Panel; data: PanelData }) {
  const o = (props.panel.options ?? {}) as { colorMode?: string; graphMode?: string; textMode?: string };
  const values = reducedValues(props.panel, props.data);
  const showName = o.textMode === 'value_and_name' || o.textMode === 'name' || (o.textMode !== 'value' && values.length > 1);
  return (
    <div className="stat-grid">
      {values.map((v, i) => {
        const shown = displayValue(v.value, v.config);
        const bg = o.colorMode === 'background' || o.colorMode === 'background_solid';
        return (
          <div key={i} className="stat-item" data-testid="stat-value" style={bg ? { background: shown.color } : undefined}>
            {o.graphMode === 'area' && <Sparkline values={v.values} color={bg ? '#ffffff' : shown.color} />}
            {showName && <div className="stat-name">{v.name}</div>}
            {o.textMode !== 'name' && (
              <div className="stat-value" style={o.colorMode === 'none' || bg ? undefined : { color: shown.color }}>
                {shown.text}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}
