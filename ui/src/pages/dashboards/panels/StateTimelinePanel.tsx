import { displayValue } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import { fieldConfigFor } from '../../../dashboards/overrides';
import type { PanelData } from '../../../dashboards/panel-query';
import { stateSpans } from '../../../dashboards/panel-shapes';

/** State timeline panels: a row per series, a bar for each run of one value, coloured and named by mappings or thresholds. */
export function StateTimelinePanel(props: { panel: Panel; data: PanelData }) {
  const n = Math.max(1, props.data.xs.length);
  return (
    <div className="state-timeline" data-testid="panel-state-timeline">
      {props.data.series.map((s, r) => {
        const config = fieldConfigFor(props.panel.fieldConfig, { name: s.name, refId: s.refId, type: 'number' });
        return (
          <div key={r} className="state-row" data-testid="state-row">
            <span className="state-name" title={s.name}>{config.displayName || s.name}</span>
            <span className="state-track">
              {stateSpans(s.values).map((sp, i) => {
                if (sp.value === null) return null;
                const shown = displayValue(sp.value, config);
                return (
                  <span key={i} className="state-span" data-testid="state-span" title={shown.text} style={{ left: `${(sp.from / n) * 100}%`, width: `${((sp.to - sp.from) / n) * 100}%`, background: shown.color }}>
                    {shown.text}
                  </span>
                );
              })}
            </span>
          </div>
        );
      })}
    </div>
  );
}
