/**
 * The parts of Grafana's dashboard JSON the app reads (the server has already applied Grafana's schema migrations,
 * so `rows` are `gridPos` panels, `graph` is `timeseries`, `singlestat` is `stat`, datasources are `{type, uid}`).
 */

import type { Transformation } from './transformations.js';

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: string;
  interval?: string;
  intervalFactor?: number;
  hide?: boolean;
  datasource?: DatasourceRef | string | null;
  queryType?: string;
  maxLines?: number;
  /** Tempo: the trace ID or TraceQL query. */
  query?: string;
  /** Tempo: most traces a search returns. */
  limit?: number;
}

export interface ThresholdStep {
  value: number | null;
  color: string;
}

export interface FieldDefaults {
  unit?: string;
  decimals?: number | null;
  min?: number | null;
  max?: number | null;
  displayName?: string;
  thresholds?: { mode?: string; steps?: ThresholdStep[] };
  mappings?: unknown[];
  color?: { mode?: string; fixedColor?: string };
  custom?: Record<string, unknown>;
}

export interface Panel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  gridPos?: GridPos;
  collapsed?: boolean;
  panels?: Panel[];
  targets?: Target[];
  datasource?: DatasourceRef | string | null;
  fieldConfig?: { defaults?: FieldDefaults; overrides?: unknown[] };
  options?: Record<string, unknown>;
  interval?: string;
  maxDataPoints?: number;
  /** Relative time (`1h`: the last hour up to the dashboard's end) and time shift (`1d`: a day back). */
  timeFrom?: string;
  timeShift?: string;
  repeat?: string;
  repeatDirection?: string;
  maxPerRow?: number;
  /** Set on the copies of a repeated panel: the repeat variable's one value for this copy. */
  scopedVars?: Record<string, string>;
  repeatPanelId?: number;
  transformations?: Transformation[];
  /** Panel links (Grafana's `links`: title, url, targetBlank). */
  links?: { title?: string; url?: string; targetBlank?: boolean; includeVars?: boolean; keepTime?: boolean }[];
}

export interface VariableOption {
  text: string;
  value: string;
  selected?: boolean;
}

export interface VariableModel {
  name: string;
  type: string;
  label?: string;
  /** 0 shown, 1 label hidden, 2 variable hidden. */
  hide?: number;
  query?: unknown;
  definition?: string;
  datasource?: DatasourceRef | string | null;
  regex?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { text?: string | string[]; value?: string | string[] };
  options?: VariableOption[];
  sort?: number;
  auto?: boolean;
  auto_count?: number;
  auto_min?: string;
  /** Query variables: 1 on dashboard load, 2 on time range change. */
  refresh?: number;
  /** Ad hoc filters (`type: adhoc`): label matchers added to every query of the variable's datasource. */
  filters?: AdhocFilter[];
}

/** One ad hoc filter as Grafana stores it (`operator` is `=`, `!=`, `=~` or `!~`). */
export interface AdhocFilter {
  key: string;
  operator: string;
  value: string;
}

export interface Dashboard {
  uid?: string;
  title?: string;
  tags?: string[];
  version?: number;
  panels?: Panel[];
  templating?: { list?: VariableModel[] };
  time?: { from?: string; to?: string };
  refresh?: string | false;
  graphTooltip?: number;
  [k: string]: unknown;
}

export interface DashboardMeta {
  canSave?: boolean;
  canDelete?: boolean;
  canEdit?: boolean;
  folderTitle?: string;
  folderUid?: string;
  version?: number;
  provisioned?: boolean;
  slug?: string;
  url?: string;
}
