/**
 * How a time series panel draws each series, from its field config (defaults and the overrides that match the
 * series by name, regex, query or type, later overrides winning — `fieldConfigFor`): display name, colour (fixed
 * colour mode), unit and decimals, axis placement (`custom.axisPlacement`: auto/left, right, hidden), draw style
 * (`custom.drawStyle`: line, bars, points), fill opacity (`custom.fillOpacity`, 0–100) and Grafana's negative-Y
 * transform (`custom.transform: negative-Y`: drawn below zero, values shown as they are). Pure.
 */
import { cssColor } from './display.js';
import type { Panel } from './model.js';
import { fieldConfigFor } from './overrides.js';

export type AxisPlacement = 'left' | 'right' | 'hidden';
export type DrawStyle = 'line' | 'bars' | 'points';

export interface SeriesStyle {
  name: string;
  /** A fixed colour (CSS), when the series' colour mode is `fixed` or a fixed colour is set; else the palette's. */
  color?: string;
  unit?: string;
  decimals?: number | null;
  axis: AxisPlacement;
  draw: DrawStyle;
  /** 0..1. */
  fillOpacity: number;
  negativeY: boolean;
}

const AXES = new Set(['left', 'right', 'hidden']);
const DRAWS = new Set(['line', 'bars', 'points']);

/** The style of each series (by its legend name and query), in order. */
export function seriesStyles(panel: Panel, series: readonly { name: string; refId: string }[]): SeriesStyle[] {
  return series.map((s) => {
    const f = fieldConfigFor(panel.fieldConfig, { name: s.name, refId: s.refId, type: 'number' });
    const c = f.custom ?? {};
    const mode = f.color?.mode;
    const fixed = f.color?.fixedColor;
    const axis = typeof c.axisPlacement === 'string' && AXES.has(c.axisPlacement) ? (c.axisPlacement as AxisPlacement) : 'left';
    const draw = typeof c.drawStyle === 'string' && DRAWS.has(c.drawStyle) ? (c.drawStyle as DrawStyle) : 'line';
    const fill = typeof c.fillOpacity === 'number' ? Math.min(100, Math.max(0, c.fillOpacity)) / 100 : 0;
    return {
      name: f.displayName || s.name,
      ...(fixed && (mode === 'fixed' || mode === 'shades' || mode === undefined) ? { color: cssColor(fixed) } : {}),
      ...(f.unit !== undefined ? { unit: f.unit } : {}),
      ...(f.decimals !== undefined ? { decimals: f.decimals } : {}),
      axis,
      draw,
      fillOpacity: fill,
      negativeY: c.transform === 'negative-Y',
    };
  });
}
