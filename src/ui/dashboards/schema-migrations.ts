/**
 * Grafana's dashboard schema migrations applied when a dashboard is loaded, so old exports open as they are:
 * `rows` (schemaVersion < 16) to `gridPos` panels, `graph` → `timeseries`, `singlestat` → `stat` (or `gauge`),
 * and datasource names → `{type, uid}` references.
 *
 * The model is deliberately minimal (`Panel`/`Dashboard` below, only the fields migrated); @grafana/schema was
 * not added as a dependency for lack of time — its types can replace these without changing behaviour.
 */

type Json = Record<string, unknown>;

export interface Panel extends Json {
  type?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  panels?: Panel[];
}

export interface DatasourceRef {
  uid: string;
  name: string;
  type: string;
  isDefault?: boolean;
}

/** Grafana's grid: 24 columns, cells 30 px high with an 8 px margin. */
const GRID_COLUMNS = 24;
const CELL_PX = 30 + 8;
const DEFAULT_ROW_PX = 250;
/** Grafana's migration gives no panel less than three cells (an old `height: "1px"` still shows its value). */
const MIN_PANEL_PX = 30 * 3;
/** Grid cells for an old pixel height. */
const cells = (height: unknown): number => Math.ceil(Math.max(MIN_PANEL_PX, num(height, DEFAULT_ROW_PX)) / CELL_PX);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, d: number): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseFloat(v) : NaN;
  return Number.isFinite(n) ? n : d;
};

/** `rows[]` of schemaVersion < 16 as a flat panel list with row panels (collapsed rows hold their panels). */
export function rowsToPanels(rows: Json[]): Panel[] {
  const out: Panel[] = [];
  let y = 0;
  let nextId = 1 + Math.max(0, ...rows.flatMap((r) => (Array.isArray(r.panels) ? r.panels : []).map((p) => num(isObj(p) ? p.id : 0, 0))));
  // One row without a visible title and not collapsed needs no row panel (Grafana's rule).
  const showRows = rows.length > 1 || rows.some((r) => r.showTitle === true || r.collapse === true);
  for (const row of rows) {
    const h = cells(row.height);
    const collapsed = row.collapse === true;
    const rowPanel: Panel | undefined = showRows ? { id: nextId++, type: 'row', title: typeof row.title === 'string' ? row.title : '', collapsed, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] } : undefined;
    if (rowPanel) {
      if (typeof row.repeat === 'string' && row.repeat) rowPanel.repeat = row.repeat;
      out.push(rowPanel);
      y += 1;
    }
    let x = 0;
    let lineH = 0;
    for (const p of Array.isArray(row.panels) ? row.panels.filter(isObj) : []) {
      const w = Math.min(GRID_COLUMNS, Math.max(1, Math.round(num(p.span, 12) * 2)));
      const ph = p.height !== undefined ? cells(p.height) : h;
      if (x + w > GRID_COLUMNS) {
        x = 0;
        y += lineH;
        lineH = 0;
      }
      const { span: _s, height: _h, ...rest } = p;
      const panel: Panel = { ...rest, gridPos: { x, y, w, h: ph } };
      if (collapsed && rowPanel) rowPanel.panels!.push(panel);
      else out.push(panel);
      x += w;
      lineH = Math.max(lineH, ph);
    }
    // Panels inside a collapsed row take no space on the grid.
    if (!collapsed || !rowPanel) y += lineH;
  }
  return out;
}

/** A datasource given by name (or null = default) as `{type, uid}`; variables (`$ds`, `${DS}`) keep their text as uid. */
export function datasourceRef(v: unknown, datasources: DatasourceRef[]): unknown {
  if (typeof v !== 'string') return v;
  if (v.startsWith('$')) return { uid: v };
  if (v === '-- Mixed --') return { type: 'datasource', uid: '-- Mixed --' };
  if (v === '-- Grafana --') return { type: 'datasource', uid: 'grafana' };
  if (v === '-- Dashboard --') return { type: 'datasource', uid: '-- Dashboard --' };
  const ds = datasources.find((d) => d.name === v || d.uid === v);
  return ds ? { type: ds.type, uid: ds.uid } : { uid: v };
}

const SINGLESTAT_CALCS: Record<string, string> = { avg: 'mean', current: 'lastNotNull', max: 'max', min: 'min', total: 'sum', first: 'firstNotNull', delta: 'delta', diff: 'diff', range: 'range', name: 'lastNotNull', last_time: 'lastNotNull' };

/** Singlestat's thresholds string ("80,90") and colours to threshold steps. */
function singlestatThresholds(thresholds: unknown, colors: unknown): { mode: string; steps: { value: number | null; color: string }[] } {
  const cs = Array.isArray(colors) ? colors.map(String) : ['green', 'orange', 'red'];
  const vals = typeof thresholds === 'string' && thresholds.trim() !== '' ? thresholds.split(',').map((s) => parseFloat(s)) : [];
  const steps: { value: number | null; color: string }[] = [{ value: null, color: cs[0] ?? 'green' }];
  vals.forEach((v, i) => {
    if (Number.isFinite(v)) steps.push({ value: v, color: cs[i + 1] ?? cs[cs.length - 1] ?? 'red' });
  });
  return { mode: 'absolute', steps };
}

function migrateSinglestat(p: Panel): Panel {
  const gauge = isObj(p.gauge) && p.gauge.show === true;
  const defaults: Json = { thresholds: singlestatThresholds(p.thresholds, p.colors), mappings: [] };
  if (typeof p.format === 'string' && p.format !== 'none') defaults.unit = p.format;
  // a unitless singlestat's text around the value (`postfix: " cores"`) becomes a custom unit, as Grafana migrates it
  else if (typeof p.postfix === 'string' && p.postfix.trim() !== '') defaults.unit = `suffix:${p.postfix}`;
  else if (typeof p.prefix === 'string' && p.prefix.trim() !== '') defaults.unit = `prefix:${p.prefix}`;
  if (typeof p.decimals === 'number') defaults.decimals = p.decimals;
  if (gauge && isObj(p.gauge)) {
    if (typeof p.gauge.minValue === 'number') defaults.min = p.gauge.minValue;
    if (typeof p.gauge.maxValue === 'number') defaults.max = p.gauge.maxValue;
  }
  const calc = SINGLESTAT_CALCS[typeof p.valueName === 'string' ? p.valueName : 'avg'] ?? 'mean';
  const { format: _f, thresholds: _t, colors: _c, valueName: _v, gauge: _g, sparkline, colorBackground, colorValue, valueMaps: _m, rangeMaps: _r, ...rest } = p;
  const colorMode = colorBackground === true ? 'background' : colorValue === true ? 'value' : 'none';
  const graphMode = isObj(sparkline) && sparkline.show === true ? 'area' : 'none';
  return {
    ...rest,
    type: gauge ? 'gauge' : 'stat',
    fieldConfig: { defaults, overrides: [] },
    options: { reduceOptions: { calcs: [calc], fields: '', values: false }, ...(gauge ? { showThresholdMarkers: true, showThresholdLabels: false } : { colorMode, graphMode, justifyMode: 'auto', textMode: 'auto', orientation: 'horizontal' }) },
  };
}

function migrateGraph(p: Panel): Panel {
  const custom: Json = {};
  const defaults: Json = { custom };
  const y = Array.isArray(p.yaxes) && isObj(p.yaxes[0]) ? p.yaxes[0] : undefined;
  if (y) {
    if (typeof y.format === 'string' && y.format !== 'short') defaults.unit = y.format;
    if (y.min !== null && y.min !== undefined && Number.isFinite(num(y.min, NaN))) defaults.min = num(y.min, 0);
    if (y.max !== null && y.max !== undefined && Number.isFinite(num(y.max, NaN))) defaults.max = num(y.max, 0);
    if (typeof y.logBase === 'number' && y.logBase > 1) custom.scaleDistribution = { type: 'log', log: y.logBase };
    if (typeof y.decimals === 'number') defaults.decimals = y.decimals;
  }
  custom.drawStyle = p.bars === true ? 'bars' : p.lines === false && p.points === true ? 'points' : 'line';
  custom.fillOpacity = Math.min(100, num(p.fill, 1) * 10);
  custom.lineWidth = num(p.linewidth, 1);
  custom.showPoints = p.points === true ? 'always' : 'never';
  custom.spanNulls = p.nullPointMode === 'connected';
  if (p.stack === true) custom.stacking = { mode: p.percentage === true ? 'percent' : 'normal', group: 'A' };
  const legend = isObj(p.legend) ? p.legend : {};
  const calcs = ['min', 'max', 'avg', 'current', 'total'].filter((k) => legend[k] === true).map((k) => SINGLESTAT_CALCS[k] ?? k);
  const options = {
    legend: { showLegend: legend.show !== false, displayMode: legend.alignAsTable === true ? 'table' : 'list', placement: legend.rightSide === true ? 'right' : 'bottom', calcs },
    tooltip: { mode: isObj(p.tooltip) && p.tooltip.shared === false ? 'single' : 'multi', sort: 'none' },
  };
  const { yaxes: _y, xaxis: _x, bars: _b, lines: _l, points: _p, fill: _f, linewidth: _w, stack: _s, percentage: _pc, legend: _lg, tooltip: _t, nullPointMode: _n, ...rest } = p;
  return { ...rest, type: 'timeseries', fieldConfig: { defaults, overrides: [] }, options };
}

function migratePanel(p: Panel, datasources: DatasourceRef[]): Panel {
  let out: Panel = p.type === 'singlestat' || p.type === 'grafana-singlestat-panel' ? migrateSinglestat(p) : p.type === 'graph' ? migrateGraph(p) : { ...p };
  if ('datasource' in out) out = { ...out, datasource: datasourceRef(out.datasource, datasources) };
  if (Array.isArray(out.targets)) out.targets = out.targets.map((t) => (isObj(t) && 'datasource' in t ? { ...t, datasource: datasourceRef(t.datasource, datasources) } : t));
  if (Array.isArray(out.panels)) out.panels = out.panels.filter(isObj).map((c) => migratePanel(c, datasources));
  return out;
}

/** The dashboard as the current schema expects it; the input is not modified. */
export function migrateDashboard(dashboard: Json, datasources: DatasourceRef[]): Json {
  const d: Json = { ...dashboard };
  const version = num(d.schemaVersion, 0);
  if (version < 16 && Array.isArray(d.rows)) {
    const rowPanels = rowsToPanels(d.rows.filter(isObj));
    d.panels = [...(Array.isArray(d.panels) ? d.panels.filter(isObj) : []), ...rowPanels];
    delete d.rows;
    d.schemaVersion = 16;
  }
  if (Array.isArray(d.panels)) d.panels = d.panels.filter(isObj).map((p) => migratePanel(p, datasources));
  const templating = isObj(d.templating) ? d.templating : undefined;
  if (templating && Array.isArray(templating.list)) {
    d.templating = { ...templating, list: templating.list.map((v) => (isObj(v) && v.type === 'query' && 'datasource' in v ? { ...v, datasource: datasourceRef(v.datasource, datasources) } : v)) };
  }
  const annotations = isObj(d.annotations) ? d.annotations : undefined;
  if (annotations && Array.isArray(annotations.list)) {
    d.annotations = { ...annotations, list: annotations.list.map((a) => (isObj(a) && 'datasource' in a ? { ...a, datasource: datasourceRef(a.datasource, datasources) } : a)) };
  }
  return d;
}
