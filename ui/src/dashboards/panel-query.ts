/**
 * A panel's queries, as Grafana runs them: the interval from the panel's width (maxDataPoints) and its minimum
 * interval, Grafana's global variables (`$__interval`, `$__rate_interval`, `$__range`, ...), template variables with
 * each datasource's formatting, then Prometheus `query`/`query_range` or Loki `query_range` through the proxy.
 */
import { apiFetch, proxyPath, type Datasource } from '../lib/api';
import { seriesName, type Labels } from '../lib/legend';
import { flattenStreams, type LogRow, type LokiStream } from '../lib/logs';
import { isMetricQuery, lokiQueryRange } from '../lib/loki';
import { promQuery, type PromSeries } from '../lib/prometheus';
import { autoStepMs, parsePromDuration } from '../lib/time';
import type { OtlpTrace } from '../lib/trace';
import { resolveDatasource } from './datasource-ref';
import { scrapeIntervalMs } from './datasources';
import { globalVariables, interpolate, panelTimeRange, type VariableValue } from './interpolate';
import type { AdhocFilter, Panel, Target } from './model';

export interface PanelSeries {
  refId: string;
  name: string;
  labels: Labels;
  /** Aligned with `PanelData.xs`. */
  values: (number | null)[];
}

/** A trace found by a Tempo search (the fields of Tempo's `/api/search` answer the panels show). */
export interface TraceHit {
  traceID: string;
  rootServiceName?: string;
  rootTraceName?: string;
  startTimeUnixNano?: string;
  durationMs?: number;
}

/** What Tempo queries gave: traces by ID, search hits, and the service graphs asked for. */
export interface PanelTraces {
  /** Trace-by-ID results, with the datasource that answered (for opening linked traces). */
  traces: { datasourceUid: string; trace: OtlpTrace }[];
  hits: { datasourceUid: string; hit: TraceHit }[];
  /** Service graph queries: the Prometheus datasource of the Tempo datasource's `serviceMap` and the range. */
  serviceMaps: { promUid: string; startSec: number; endSec: number }[];
}

export interface PanelData {
  /** Seconds. */
  xs: Float64Array;
  series: PanelSeries[];
  logs: LogRow[];
  /** One message per failed query (`A: parse error ...`); the other queries' data is kept. */
  errors: string[];
  /** The queries as sent, for inspection. */
  queries: { refId: string; datasource: string; expr: string }[];
  tempo: PanelTraces;
}

/** A Tempo query that is a trace ID (16 or 32 hex digits) rather than TraceQL. */
export const isTraceId = (q: string) => /^[0-9a-f]{16}([0-9a-f]{16})?$/i.test(q.trim());

export interface QueryContext {
  datasources: Datasource[];
  vars: ReadonlyMap<string, VariableValue>;
  fromMs: number;
  toMs: number;
  /** The panel's width in pixels: Grafana's default maxDataPoints. */
  widthPx: number;
  dashboardTitle?: string;
  /** Ad hoc filters by datasource uid, added to every selector of that datasource's Prometheus/Loki queries. */
  adhoc?: readonly { datasourceUid: string; filters: AdhocFilter[] }[];
}

const MIXED = '-- Mixed --';

/** The step for a panel: about one point per pixel, at least the panel's (or the datasource's) minimum interval. */
export function panelIntervalMs(panel: Panel, target: Target | undefined, ds: Datasource, ctx: Pick<QueryContext, 'fromMs' | 'toMs' | 'widthPx' | 'vars'>): number {
  const maxPoints = panel.maxDataPoints ?? Math.max(100, Math.round(ctx.widthPx));
  const minText = target?.interval || panel.interval || '';
  const min = parsePromDuration(interpolate(minText, ctx.vars, { defaultFormat: 'raw' }).replace(/^>/, '')) ?? scrapeIntervalMs(ds);
  return autoStepMs(ctx.toMs - ctx.fromMs, maxPoints, min);
}

function targetDatasource(panel: Panel, t: Target, ctx: QueryContext): Datasource {
  const panelRef = panel.datasource;
  const isMixed = typeof panelRef === 'object' && panelRef !== null && panelRef.uid === MIXED;
  const ref = t.datasource !== undefined && t.datasource !== null && (isMixed || panelRef === undefined || panelRef === null) ? t.datasource : panelRef;
  return resolveDatasource(ref, ctx.datasources, ctx.vars);
}

/** Run the panel's visible queries; one failing query is reported in `errors` while the others still give data. */
export async function runPanelQueries(panel: Panel, dashboardCtx: QueryContext, signal?: AbortSignal): Promise<PanelData> {
  const raw = (s: string | undefined) => (s ? interpolate(s, dashboardCtx.vars, { defaultFormat: 'raw' }) : undefined);
  const ctx = { ...dashboardCtx, ...panelTimeRange(dashboardCtx.fromMs, dashboardCtx.toMs, raw(panel.timeFrom), raw(panel.timeShift)) };
  const targets = (panel.targets ?? []).filter((t) => t.hide !== true);
  const resolved = targets.map((t) => {
    try {
      return { t, ds: targetDatasource(panel, t, ctx) };
    } catch (e) {
      return { t, error: (e as Error).message };
    }
  });
  // the ad hoc filter injection brings the PromQL and LogQL grammars: loaded only when there are filters
  const adhoc = ctx.adhoc?.some((a) => a.filters.length > 0) ? await import('./adhoc') : undefined;
  const errors: string[] = [];
  // one time grid for the panel: the largest step any of its queries needs
  let stepMs = 1000;
  for (const r of resolved) if (r.ds) stepMs = Math.max(stepMs, panelIntervalMs(panel, r.t, r.ds, ctx));
  const stepSec = stepMs / 1000;
  const startSec = Math.floor(ctx.fromMs / stepMs) * stepSec;
  const endSec = Math.floor(ctx.toMs / 1000);
  const n = Math.max(1, Math.floor((endSec - startSec) / stepSec) + 1);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = startSec + i * stepSec;
  const series: PanelSeries[] = [];
  const logs: LogRow[] = [];
  const queries: PanelData['queries'] = [];
  const tempo: PanelTraces = { traces: [], hits: [], serviceMaps: [] };

  const toSeries = (refId: string, result: PromSeries[], legend: string) => {
    for (const s of result) {
      const values: (number | null)[] = new Array(n).fill(null);
      const points = s.values ?? (s.value ? [s.value] : []);
      for (const [t, v] of points) {
        const i = s.value ? n - 1 : Math.round((t - startSec) / stepSec);
        if (i >= 0 && i < n) {
          const f = parseFloat(v);
          values[i] = Number.isNaN(f) ? null : f;
        }
      }
      series.push({ refId, name: seriesName(s.metric, legend), labels: s.metric, values });
    }
  };

  await Promise.all(
    resolved.map(async (r, idx) => {
      const refId = r.t.refId ?? String.fromCharCode(65 + idx);
      if (!r.ds) {
        errors.push(`${refId}: ${r.error}`);
        return;
      }
      const ds = r.ds;
      const scoped = globalVariables({ fromMs: ctx.fromMs, toMs: ctx.toMs, intervalMs: stepMs, scrapeIntervalMs: scrapeIntervalMs(ds), dashboard: ctx.dashboardTitle });
      const expr = (adhoc ? adhoc.applyAdhocFilters : (e: string) => e)(interpolate((ds.type === 'tempo' ? r.t.query : r.t.expr) ?? '', ctx.vars, { defaultFormat: ds.type === 'loki' ? 'loki' : 'prometheus', scoped }), ds, ctx.adhoc);
      // `__auto`: Grafana's automatic legend, the series' own name
      const legend = r.t.legendFormat === '__auto' ? '' : interpolate(r.t.legendFormat ?? '', ctx.vars, { defaultFormat: 'raw', scoped });
      queries.push({ refId, datasource: ds.name, expr });
      if (ds.type === 'tempo' && r.t.queryType === 'serviceMap') {
        const promUid = (ds.jsonData.serviceMap as { datasourceUid?: string } | undefined)?.datasourceUid;
        if (promUid) tempo.serviceMaps.push({ promUid, startSec: Math.floor(ctx.fromMs / 1000), endSec });
        else errors.push(`${refId}: the Tempo datasource ${ds.name} has no service graph datasource (serviceMap) set`);
        return;
      }
      if (expr.trim() === '') return;
      try {
        if (signal?.aborted) return;
        if (ds.type === 'prometheus') {
          const method = ds.jsonData.httpMethod === 'GET' ? 'GET' : 'POST';
          if (r.t.instant === true && r.t.range !== true) {
            const { body } = await promQuery(ds.uid, 'query', { query: expr, time: String(endSec) }, method);
            const d = body.data;
            if (d && (d.resultType === 'scalar' || d.resultType === 'string')) toSeries(refId, [{ metric: {}, value: d.result as [number, string] }], legend);
            else toSeries(refId, (d?.result ?? []) as PromSeries[], legend);
          } else {
            const { body } = await promQuery(ds.uid, 'query_range', { query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) }, method);
            toSeries(refId, (body.data?.result ?? []) as PromSeries[], legend);
          }
        } else if (ds.type === 'loki') {
          const metric = isMetricQuery(expr);
          const params: Record<string, string> = { query: expr, start: String(Math.floor(ctx.fromMs * 1e6)), end: String(Math.ceil(ctx.toMs * 1e6)) };
          if (metric) params.step = String(stepSec);
          else {
            params.limit = String(r.t.maxLines ?? 1000);
            params.direction = 'backward';
          }
          const { body } = await lokiQueryRange(ds.uid, params);
          if (body.data?.resultType === 'streams') logs.push(...flattenStreams(body.data.result as LokiStream[], 'backward'));
          else toSeries(refId, (body.data?.result ?? []) as PromSeries[], legend);
        } else if (ds.type === 'tempo') {
          const base = proxyPath(ds.uid);
          if (isTraceId(expr)) tempo.traces.push({ datasourceUid: ds.uid, trace: await apiFetch<OtlpTrace>(`${base}/api/traces/${encodeURIComponent(expr.trim())}`, { signal }) });
          else {
            const params = new URLSearchParams({ q: expr, start: String(Math.floor(ctx.fromMs / 1000)), end: String(endSec), limit: String(r.t.limit ?? 20) });
            const found = await apiFetch<{ traces?: TraceHit[] }>(`${base}/api/search?${params.toString()}`, { signal });
            tempo.hits.push(...(found.traces ?? []).map((hit) => ({ datasourceUid: ds.uid, hit })));
          }
        } else {
          errors.push(`${refId}: datasource type ${ds.type} is not supported in dashboards yet`);
        }
      } catch (e) {
        errors.push(`${refId}: ${(e as Error).message}`);
      }
    }),
  );
  // queries answer in any order: keep the panel's target order
  const order = new Map(targets.map((t, i) => [t.refId ?? String.fromCharCode(65 + i), i]));
  series.sort((a, b) => (order.get(a.refId) ?? 0) - (order.get(b.refId) ?? 0));
  errors.sort();
  return { xs, series, logs, errors, queries, tempo };
}
