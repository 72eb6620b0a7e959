import { buildTraceView, type AttrValue } from '../model/index.js';
import type { TraceQueryable } from '../model/index.js';
import { TraceqlParseError, type FieldExpr, type Stage, type TraceqlQuery } from './ast.js';
import { evalField, evalStages, fieldName, pushdownConditions } from './engine.js';
import { jsonValue } from './search.js';

/** TraceQL metrics (`{...} | rate() by (resource.service.name)`) over a time range, Tempo's query_range shape. */
export interface MetricsRequest {
  tenant: string;
  query: TraceqlQuery;
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Align the start to a multiple of the step (range queries); instant queries use one bucket as given. */
  align?: boolean;
}

export interface MetricsSeries {
  labels: { key: string; value: ReturnType<typeof jsonValue> }[];
  promLabels: string;
  samples: { timestampMs: string; value: number }[];
}

const DURATION_FIELDS = new Set(['duration', 'traceDuration']);

/** A metrics query's stages before its metrics function, and that function. */
export function splitMetricsStage(q: TraceqlQuery): { pre: Stage[]; m: Extract<Stage, { type: 'metrics' }> } {
  const last = q.stages.at(-1);
  if (!last || last.type !== 'metrics') throw new TraceqlParseError('a metrics query must end with a metrics function such as rate() or count_over_time()');
  return { pre: q.stages.slice(0, -1), m: last };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Evaluate a TraceQL metrics query: one series per `by()` group (and per quantile / histogram bucket). */
export async function queryRange(store: Pick<TraceQueryable, 'scan'>, req: MetricsRequest): Promise<{ series: MetricsSeries[] }> {
  const { pre, m } = splitMetricsStage(req.query);
  const start = req.align === false ? req.startMs : Math.floor(req.startMs / req.stepMs) * req.stepMs;
  const steps = Math.max(1, Math.ceil((req.endMs - start) / req.stepMs));
  if (steps > 11_000) throw new TraceqlParseError(`exceeded maximum resolution of 11,000 points per series; try a larger step (got ${steps})`);
  const field: FieldExpr | null = m.field;
  const seconds = field !== null && field.type === 'intrinsic' && DURATION_FIELDS.has(field.name);
  // group key → per-step values
  const groups = new Map<string, { by: (AttrValue | null)[]; values: number[][] }>();
  await store.scan(req.tenant, { startMs: start, endMs: req.endMs, conditions: pushdownConditions(pre) }, (traceId, entries) => {
    const view = buildTraceView(traceId, entries);
    const sets = pre.length ? evalStages(pre, [{ spans: view.spans, attrs: [], select: [] }], view) : [{ spans: view.spans, attrs: [], select: [] }];
    const seen = new Set<object>();
    for (const ss of sets)
      for (const s of ss.spans) {
        if (seen.has(s)) continue;
        seen.add(s);
        if (s.startMs < start || s.startMs >= req.endMs) continue;
        const by = m.by.map((f) => {
          const v = evalField(f, s, view);
          return v === undefined || v === null || Array.isArray(v) ? null : v;
        });
        const key = JSON.stringify(by);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { by, values: Array.from({ length: steps }, () => []) }));
        let v = 1;
        if (field) {
          const fv = evalField(field, s, view);
          if (typeof fv !== 'number') continue;
          v = seconds ? fv / 1e9 : fv;
        }
        g.values[Math.floor((s.startMs - start) / req.stepMs)].push(v);
      }
    return true;
  });

  const series: MetricsSeries[] = [];
  const stepSec = req.stepMs / 1000;
  for (const g of groups.values()) {
    const baseLabels = m.by.map((f, i) => ({ key: fieldName(f).replace(/^\./, ''), value: g.by[i] })).filter((l): l is { key: string; value: AttrValue } => l.value !== null);
    const emit = (extra: { key: string; value: AttrValue }[], fn: (vals: number[]) => number) => {
      const labels = [...baseLabels, ...extra];
      const samples: MetricsSeries['samples'] = [];
      g.values.forEach((vals, i) => {
        const v = fn(vals);
        if (!Number.isNaN(v)) samples.push({ timestampMs: String(start + i * req.stepMs), value: v });
      });
      if (samples.length) series.push({ labels: labels.map((l) => ({ key: l.key, value: jsonValue(l.value) })), promLabels: `{${labels.map((l) => `${l.key}=${JSON.stringify(String(l.value))}`).join(', ')}}`, samples });
    };
    switch (m.fn) {
      case 'rate':
        emit([], (v) => (v.length ? v.length / stepSec : NaN));
        break;
      case 'count_over_time':
        emit([], (v) => (v.length ? v.length : NaN));
        break;
      case 'min_over_time':
        emit([], (v) => (v.length ? Math.min(...v) : NaN));
        break;
      case 'max_over_time':
        emit([], (v) => (v.length ? Math.max(...v) : NaN));
        break;
      case 'sum_over_time':
        emit([], (v) => (v.length ? v.reduce((a, b) => a + b, 0) : NaN));
        break;
      case 'avg_over_time':
        emit([], (v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN));
        break;
      case 'quantile_over_time':
        for (const q of m.quantiles.length ? m.quantiles : [0.5]) emit([{ key: 'p', value: q }], (v) => quantile([...v].sort((a, b) => a - b), q));
        break;
      case 'histogram_over_time': {
        // Power-of-two buckets, labelled by their upper bound, as Tempo does.
        const bounds = new Set<number>();
        for (const vals of g.values) for (const v of vals) bounds.add(2 ** Math.ceil(Math.log2(Math.max(v, 1e-9))));
        for (const b of [...bounds].sort((a, c) => a - c)) emit([{ key: '__bucket', value: b }], (vals) => {
          const n = vals.filter((v) => 2 ** Math.ceil(Math.log2(Math.max(v, 1e-9))) === b).length;
          return n ? n : NaN;
        });
        break;
      }
      default:
        throw new TraceqlParseError(`unsupported metrics function ${m.fn}()`);
    }
  }
  series.sort((a, b) => (a.promLabels < b.promLabels ? -1 : a.promLabels > b.promLabels ? 1 : 0));
  return { series };
}
