import { reduce } from '../../../dashboards/display';
import type { FieldDefaults, Panel } from '../../../dashboards/model';
import { fieldConfigFor } from '../../../dashboards/overrides';
import { SERIES_COLORS } from '../../../lib/theme';
import type { PanelData } from '../../../dashboards/panel-query';

/** The panel's field defaults (unit, decimals, min/max, thresholds, mappings). */
export const fieldDefaults = (p: Panel): FieldDefaults => p.fieldConfig?.defaults ?? {};

/**
 * One reduced value per series, as stat, gauge and bar gauge panels show them (`reduceOptions.calcs[0]`), with the
 * series' field config (the defaults and the overrides that match it by name, regex or query).
 */
export function reducedValues(panel: Panel, data: PanelData): { name: string; value: number | null; values: (number | null)[]; config: FieldDefaults }[] {
  const ro = (panel.options?.reduceOptions ?? {}) as { calcs?: string[]; limit?: number };
  const calc = ro.calcs?.[0] ?? 'lastNotNull';
  const out = data.series.map((s) => {
    const config = fieldConfigFor(panel.fieldConfig, { name: s.name, refId: s.refId, type: 'number' });
    return { name: config.displayName || s.name, value: reduce(s.values, calc), values: s.values, config };
  });
  return ro.limit ? out.slice(0, ro.limit) : out;
}

export const hasValues = (data: PanelData) =>
  data.series.some((s) => s.values.some((v) => v !== null)) || data.logs.length > 0 || data.tempo.traces.length > 0 || data.tempo.hits.length > 0 || data.tempo.serviceMaps.length > 0;

/** The app's series palette (the same colours the graphs use). */
export const seriesColor = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length]!;
