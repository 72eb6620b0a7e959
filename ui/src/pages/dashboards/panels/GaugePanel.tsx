import { displayValue, thresholdColor } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { fieldDefaults, reducedValues } from './field';

const START = (-220 * Math.PI) / 180;
const SWEEP = (260 * Math.PI) / 180;

function arc(r: number, from: number, to: number): string {
  const a = START + SWEEP * from;
  const b = START + SWEEP * to;
  const p = (t: number) => `${(50 + r * Math.cos(t)).toFixed(2)},${(50 + r * Math.sin(t)).toFixed(2)}`;
  return `M${p(a)}A${r},${r} 0 ${b - a > Math.PI ? 1 : 0} 1 ${p(b)}`;
}

/** Gauge panels: an arc per series between min and max (0-100 by default), threshold bands on the rim. */
export function GaugePanel(props: { panel: Panel; data: PanelData }) {
  const f = fieldDefaults(props.panel);
  const min = f.min ?? 0;
  const max = f.max ?? 100;
  const steps = f.thresholds?.steps ?? [];
  const showMarkers = (props.panel.options as { showThresholdMarkers?: boolean } | undefined)?.showThresholdMarkers !== false;
  const values = reducedValues(props.panel, props.data);
  const frac = (v: number) => Math.min(1, Math.max(0, (v - min) / (max - min || 1)));
  return (
    <div className="gauge-grid">
      {values.map((v, i) => {
        const shown = displayValue(v.value, v.config);
        const bands = steps.map((s, k) => ({ from: s.value === null ? 0 : frac(f.thresholds?.mode === 'percentage' ? min + ((max - min) * s.value) / 100 : s.value), to: k + 1 < steps.length ? frac(f.thresholds?.mode === 'percentage' ? min + ((max - min) * (steps[k + 1]!.value ?? 0)) / 100 : (steps[k + 1]!.value ?? min)) : 1, color: thresholdColor(s.value ?? min, steps, 'absolute') }));
        return (
          <div key={i} className="gauge-item" data-testid="gauge-value">
            <svg viewBox="0 0 100 80" className="gauge-svg">
              <path d={arc(38, 0, 1)} className="gauge-track" fill="none" strokeWidth={9} />
              {v.value !== null && <path d={arc(38, 0, frac(v.value))} stroke={shown.color} fill="none" strokeWidth={9} />}
              {showMarkers && bands.map((b, k) => b.to > b.from && <path key={k} d={arc(45, b.from, b.to)} stroke={b.color} fill="none" strokeWidth={2.5} />)}
              <text x={50} y={55} textAnchor="middle" className="gauge-text" fill={shown.color}>
                {shown.text}
              </text>
            </svg>
            {values.length > 1 && <div className="gauge-name">{v.name}</div>}
          </div>
        );
      })}
    </div>
  );
}
