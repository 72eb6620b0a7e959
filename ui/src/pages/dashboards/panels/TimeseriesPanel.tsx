import { useMemo } from 'react';
import { Graph } from '../../../components/Graph';
import { formatUnit } from '../../../dashboards/display';
import type { AnnotationEvent } from '../../../dashboards/annotations';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { seriesStyles } from '../../../dashboards/series-styles';
import { fieldDefaults } from './field';

/** Time series (and migrated graph) panels on the app's uPlot graph: unit/decimals, min/max, stacking, legend. */
export function TimeseriesPanel(props: { panel: Panel; data: PanelData; height: number; annotations?: AnnotationEvent[]; onAnnotate?: (timeMs: number) => void }) {
  const f = fieldDefaults(props.panel);
  const custom = f.custom ?? {};
  const stacking = (custom.stacking ?? {}) as { mode?: string };
  const legend = (props.panel.options?.legend ?? {}) as { showLegend?: boolean; displayMode?: string };
  const hideLegend = legend.showLegend === false || legend.displayMode === 'hidden';
  const unit = f.unit;
  const decimals = f.decimals;
  const format = useMemo(() => (v: number) => formatUnit(v, unit, decimals), [unit, decimals]);
  // field overrides per series: display name, colour, unit/decimals, axis, draw style, fill, negative-Y
  const looks = useMemo(() => seriesStyles(props.panel, props.data.series), [props.panel, props.data]);
  const graphData = useMemo(
    () => ({ xs: props.data.xs, series: props.data.series.map((s, i) => ({ name: looks[i]!.name, labels: s.labels, values: s.values, ...(looks[i]!.color ? { color: looks[i]!.color } : {}) })) }),
    [props.data, looks],
  );
  const graphStyles = useMemo(
    () =>
      looks.map((l) => ({
        axis: l.axis,
        draw: l.draw,
        fillOpacity: l.fillOpacity,
        negativeY: l.negativeY,
        ...(l.unit !== unit || l.decimals !== decimals ? { format: (v: number) => formatUnit(v, l.unit, l.decimals) } : {}),
      })),
    [looks, unit, decimals],
  );
  const legendPx = hideLegend ? 0 : Math.min(Math.round(props.height * 0.35), 22 * Math.ceil(props.data.series.length / 3) + 6);
  return (
    <div className="dash-timeseries">
      <Graph
        data={graphData}
        height={Math.max(60, props.height - legendPx)}
        options={{
          stacked: stacking.mode === 'normal' || stacking.mode === 'percent',
          unit: 'short',
          bars: custom.drawStyle === 'bars',
          // bars stand on zero (a count that is 1 in every bucket still shows as bars, not as a flat line on the axis)
          yFromZero: custom.drawStyle === 'bars',
          format,
          ...(typeof f.min === 'number' ? { yMin: f.min } : {}),
          ...(typeof f.max === 'number' ? { yMax: f.max } : {}),
          hideLegend,
          seriesStyles: graphStyles,
          ...(props.annotations?.length ? { annotations: props.annotations } : {}),
          ...(props.onAnnotate ? { onAnnotate: props.onAnnotate } : {}),
        }}
      />
    </div>
  );
}
