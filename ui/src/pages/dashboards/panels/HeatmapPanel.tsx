import { useEffect, useMemo, useRef } from 'react';
import { formatUnit } from '../../../dashboards/display';
import type { Panel } from '../../../dashboards/model';
import type { PanelData } from '../../../dashboards/panel-query';
import { heatmapOf } from '../../../dashboards/panel-shapes';

/** Grafana's default heatmap scheme (Oranges), from empty to the busiest cell. */
const shade = (f: number) => `hsla(${28 - 18 * f}, 95%, ${88 - 48 * f}%, ${f === 0 ? 0.08 : 0.35 + 0.65 * f})`;

/**
 * Heatmap panels on a canvas: Prometheus `le` buckets (de-accumulated per bucket) or values bucketed per time point,
 * a column per point and a row per bucket, coloured by count; bucket bounds on the left.
 */
export function HeatmapPanel(props: { panel: Panel; data: PanelData; height: number }) {
  const o = (props.panel.options ?? {}) as { yAxis?: { unit?: string; decimals?: number }; calculation?: { yBuckets?: { value?: string } } };
  const yBuckets = Number(o.calculation?.yBuckets?.value) || 10;
  const map = useMemo(() => heatmapOf(props.data.series, props.data.xs.length, yBuckets), [props.data, yBuckets]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const unit = o.yAxis?.unit ?? props.panel.fieldConfig?.defaults?.unit;
  useEffect(() => {
    const c = canvas.current;
    if (!c || map.rows.length === 0) return;
    const w = c.clientWidth;
    const h = c.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    c.width = w * dpr;
    c.height = h * dpr;
    const g = c.getContext('2d');
    if (!g) return;
    g.scale(dpr, dpr);
    const cols = map.counts[0]?.length ?? 0;
    const cw = w / Math.max(1, cols);
    const rh = h / map.rows.length;
    map.counts.forEach((row, r) =>
      row.forEach((n, i) => {
        g.fillStyle = shade(map.max ? n / map.max : 0);
        g.fillRect(i * cw, h - (r + 1) * rh, Math.ceil(cw), Math.ceil(rh) - 1);
      }),
    );
  }, [map, props.height]);
  const label = (b: string) => (b === '+Inf' || !unit ? b : formatUnit(Number(b), unit, o.yAxis?.decimals));
  return (
    <div className="dash-heatmap" data-testid="panel-heatmap" data-rows={map.rows.length} data-max={map.max} data-buckets={String(map.buckets)}>
      <div className="heatmap-axis">
        {[...map.rows].reverse().map((b, i) => <span key={i}>{label(b)}</span>)}
      </div>
      <canvas ref={canvas} className="heatmap-canvas" style={{ height: Math.max(40, props.height - 8) }} />
    </div>
  );
}
