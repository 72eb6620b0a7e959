import type { Logger } from 'pino';
import type { DashboardStore } from './dashboard-store.js';

/** The provider name under which built-in dashboards are stored (read-only in the UI, not deletable). */
export const BUILTIN_PROVIDER = 'sightline';
export const HEALTH_DASHBOARD_UID = 'sightline-health';

const DS = { type: 'prometheus', uid: 'prometheus' } as const;
const RI = '$__rate_interval';

interface PanelSpec {
  title: string;
  type: 'stat' | 'gauge' | 'timeseries';
  /** Each query: PromQL and its legend. */
  targets: { expr: string; legend?: string }[];
  unit?: string;
  description: string;
  w: number;
  h: number;
  max?: number;
}

/**
 * Sightline's own health from its self-scrape (`metrics.scrape_self`, job `sightline`): ingest per pillar, what was
 * discarded and why, the head and the WAL, memory against its limit, disk, and query latency as the UI's datasource
 * proxy measured it. Every expression names a metric the process exports (the test in test/ui-health-dashboard.test.ts
 * runs each through the Prometheus API).
 */
const PANELS: PanelSpec[] = [
  { title: 'Up', type: 'stat', w: 4, h: 4, targets: [{ expr: 'min(up{job="sightline"})' }], description: 'Whether the last self-scrape succeeded (1 = up).' },
  { title: 'Head series', type: 'stat', w: 4, h: 4, targets: [{ expr: 'sum(prometheus_tsdb_head_series)' }], unit: 'short', description: 'Active series in the metrics TSDB head.' },
  { title: 'Resident memory', type: 'stat', w: 4, h: 4, targets: [{ expr: 'max(sightline_memory_resident_bytes)' }], unit: 'bytes', description: 'Resident memory of the process.' },
  {
    title: 'Memory limit used',
    type: 'gauge',
    w: 4,
    h: 4,
    max: 1,
    targets: [{ expr: 'max(sightline_memory_resident_bytes) / max(sightline_memory_limit_bytes > 0)' }],
    unit: 'percentunit',
    description: 'Resident memory over server.memory_limit: above the soft limit writes are refused with 503 + Retry-After.',
  },
  { title: 'Active alerts', type: 'stat', w: 4, h: 4, targets: [{ expr: 'sum(alertmanager_alerts{state="active"})' }], unit: 'short', description: 'Alerts the built-in Alertmanager holds as active.' },
  {
    title: 'Disk: blocks + WAL',
    type: 'stat',
    w: 4,
    h: 4,
    targets: [{ expr: 'sum(prometheus_tsdb_storage_blocks_bytes) + sum(prometheus_tsdb_wal_storage_size_bytes)' }],
    unit: 'bytes',
    description: 'Bytes of the metrics TSDB on disk (persisted blocks and the write-ahead log).',
  },
  {
    title: 'Metrics ingest',
    type: 'timeseries',
    w: 8,
    h: 8,
    targets: [
      { expr: `sum(rate(prometheus_tsdb_head_samples_appended_total[${RI}]))`, legend: 'samples appended/s' },
      { expr: `sum(rate(cortex_distributor_received_samples_total[${RI}]))`, legend: 'Mimir samples received/s' },
    ],
    unit: 'short',
    description: 'Samples per second appended to the TSDB head (scrape, remote write, OTLP) and received by the Mimir role.',
  },
  { title: 'Logs ingest', type: 'timeseries', w: 8, h: 8, targets: [{ expr: `sum by (tenant) (rate(loki_distributor_lines_received_total[${RI}]))`, legend: '{{tenant}}' }], unit: 'short', description: 'Log lines per second received by the Loki distributor, by tenant.' },
  { title: 'Traces ingest', type: 'timeseries', w: 8, h: 8, targets: [{ expr: `sum by (tenant) (rate(tempo_distributor_spans_received_total[${RI}]))`, legend: '{{tenant}}' }], unit: 'short', description: 'Spans per second received by the Tempo distributor, by tenant.' },
  {
    title: 'Discarded samples',
    type: 'timeseries',
    w: 8,
    h: 8,
    targets: [
      { expr: `sum by (reason) (rate(cortex_discarded_samples_total[${RI}]))`, legend: '{{reason}}' },
      { expr: `sum(rate(prometheus_tsdb_out_of_order_samples_total[${RI}]))`, legend: 'out of order' },
      { expr: `sum(rate(prometheus_tsdb_out_of_bound_samples_total[${RI}]))`, legend: 'out of bounds' },
    ],
    unit: 'short',
    description: 'Samples per second refused by limits or validation, by reason.',
  },
  { title: 'Discarded log lines', type: 'timeseries', w: 8, h: 8, targets: [{ expr: `sum by (reason) (rate(loki_discarded_samples_total[${RI}]))`, legend: '{{reason}}' }], unit: 'short', description: 'Log lines per second refused by the Loki distributor, by reason.' },
  { title: 'Discarded spans', type: 'timeseries', w: 8, h: 8, targets: [{ expr: `sum by (reason) (rate(tempo_discarded_spans_total[${RI}]))`, legend: '{{reason}}' }], unit: 'short', description: 'Spans per second refused by the Tempo distributor, by reason.' },
  {
    title: 'Query latency (UI datasource proxy)',
    type: 'timeseries',
    w: 8,
    h: 8,
    targets: [
      { expr: `histogram_quantile(0.99, sum by (le, datasource_type) (rate(sightline_ui_datasource_proxy_request_duration_seconds_bucket[${RI}])))`, legend: 'p99 {{datasource_type}}' },
      { expr: `histogram_quantile(0.5, sum by (le, datasource_type) (rate(sightline_ui_datasource_proxy_request_duration_seconds_bucket[${RI}])))`, legend: 'p50 {{datasource_type}}' },
    ],
    unit: 's',
    description: 'Time until a backend answered a request of the UI (Explore, dashboards), by datasource type.',
  },
  {
    title: 'Head and WAL',
    type: 'timeseries',
    w: 8,
    h: 8,
    targets: [
      { expr: 'sum(prometheus_tsdb_wal_storage_size_bytes)', legend: 'WAL bytes' },
      { expr: 'sum(prometheus_tsdb_storage_blocks_bytes)', legend: 'block bytes' },
    ],
    unit: 'bytes',
    description: 'Size of the write-ahead log and of the persisted blocks.',
  },
  {
    title: 'Memory',
    type: 'timeseries',
    w: 8,
    h: 8,
    targets: [
      { expr: 'max(sightline_memory_resident_bytes)', legend: 'resident' },
      { expr: 'max(sightline_memory_soft_limit_bytes > 0)', legend: 'soft limit (writes refused above)' },
      { expr: 'max(sightline_memory_limit_bytes > 0)', legend: 'limit (queries shed above)' },
    ],
    unit: 'bytes',
    description: 'Resident memory against the memory guard limits.',
  },
];

/** Lays the panels out left to right on Grafana's 24-column grid, wrapping rows. */
function layout(specs: PanelSpec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return specs.map((p, i) => {
    if (x + p.w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const gridPos = { x, y, w: p.w, h: p.h };
    x += p.w;
    rowH = Math.max(rowH, p.h);
    return {
      id: i + 1,
      type: p.type,
      title: p.title,
      description: p.description,
      datasource: DS,
      gridPos,
      fieldConfig: { defaults: { unit: p.unit ?? 'short', ...(p.max !== undefined ? { min: 0, max: p.max } : {}) }, overrides: [] },
      options: p.type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } } : { reduceOptions: { calcs: ['lastNotNull'] } },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: DS, expr: t.expr, legendFormat: t.legend ?? '', range: true })),
    };
  });
}

/** The health dashboard as Grafana's JSON model. */
export function healthDashboard(): Record<string, unknown> {
  return {
    uid: HEALTH_DASHBOARD_UID,
    title: 'Sightline health',
    tags: ['sightline'],
    schemaVersion: 39,
    editable: false,
    graphTooltip: 1,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    templating: { list: [] },
    annotations: { list: [] },
    panels: layout(PANELS),
  };
}

/**
 * Saves the built-in dashboards into the `Sightline` folder, owned by the `sightline` provider (not editable or
 * deletable in the UI). A dashboard whose stored JSON already equals the built-in one is left alone, so restarts do
 * not add versions.
 */
export async function provisionBuiltInDashboards(store: DashboardStore, logger: Logger): Promise<void> {
  const folder = (await store.folderByUid('sightline')) ?? (await store.createFolder('Sightline', 'sightline', 'provisioning', BUILTIN_PROVIDER));
  for (const dashboard of [healthDashboard()]) {
    const existing = await store.byUid(String(dashboard.uid));
    if (existing && existing.folder_uid === folder.uid) {
      const { uid: _u, ...body } = dashboard;
      if (existing.data === JSON.stringify(body)) continue;
    }
    await store.save({
      dashboard,
      folderUid: folder.uid,
      message: 'built-in',
      overwrite: true,
      user: 'provisioning',
      provisioned: { provider: BUILTIN_PROVIDER, externalId: `builtin:${String(dashboard.uid)}`, allowUiUpdates: false, disableDeletion: true },
    });
    logger.info({ component: 'ui', dashboard: dashboard.uid }, 'built-in dashboard provisioned');
  }
}
