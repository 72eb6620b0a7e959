import { Labels, compileAnchored, type Matcher } from '../../model/index.js';
import { parseGoDuration, type LogQueryable } from '../model/index.js';
import type { DecodedRequest, DecodedSource } from '../querier/index.js';
import { detectFields, type DetectedField } from './detected-fields.js';
import type { BinaryOp, Expr, Grouping, LogSelectorExpr, MetricExpr } from './ast.js';
import { LogqlEvalError, abortError, seriesLimitError, timeoutError } from './errors.js';
import { ERROR_DETAILS_LABEL, ERROR_LABEL, setError } from './label-parsers.js';
import { LogqlParseError, parseBytes, parseLogql } from './parser.js';
import { Pipeline, compileLabelFilter, labelsOf, type PipelineEntry } from './pipeline.js';
import { ReadBudget } from './read-budget.js';
import { RawRangePlan, accContribution, stepTotals, type RawSeries } from './raw-range.js';
import type { LogqlResult, QueryStats, Sample, StepValues, StreamResult } from './vector.js';

export interface LogqlEngineOptions {
  /** Maximum series of a metric query (Loki's `max_query_series`). */
  maxQuerySeries: (tenant: string) => number;
  /** Query timeout in ms. */
  timeoutMs: (tenant: string) => number;
  /** Bytes of lines a query may read (Loki's `max_query_bytes_read`, `max_querier_bytes_read`; 0 = unlimited). */
  maxQueryBytesRead?: (tenant: string) => number;
  maxQuerierBytesRead?: (tenant: string) => number;
}

export interface RangeQueryParams {
  tenant: string;
  query: string | Expr;
  /** Nanoseconds, inclusive. */
  start: bigint;
  end: bigint;
  stepMs: number;
  /** Log queries: only return entries at least this far apart per stream (Loki's `interval`). */
  intervalMs?: number;
  limit: number;
  direction: 'forward' | 'backward';
  /** Stops the query (at its next batch of entries): reason 'timeout' for a deadline, anything else for a gone client. */
  signal?: AbortSignal;
}

export interface InstantQueryParams {
  tenant: string;
  query: string | Expr;
  time: bigint;
  limit: number;
  direction: 'forward' | 'backward';
  signal?: AbortSignal;
}

/** `detected_fields`: the fields of the newest `lineLimit` lines a log query returns over [start, end]. */
export interface DetectedFieldsParams {
  tenant: string;
  query: string;
  start: bigint;
  end: bigint;
  lineLimit: number;
  signal?: AbortSignal;
}

/** What a query reads: selects on this thread, or (for a query worker) what they would scan, unscanned. */
export type LogSource = Pick<LogQueryable, 'select'> & { decoded(tenant: string, req: DecodedRequest): AsyncIterable<DecodedSource> };

/** What runs LogQL queries: the engine here, or the engine in a query worker (`PooledLogqlEngine`). */
export interface LogqlQueries {
  rangeQuery(p: RangeQueryParams): Promise<LogqlResult>;
  instantQuery(p: InstantQueryParams): Promise<LogqlResult>;
  detectedFields(p: DetectedFieldsParams): Promise<DetectedField[]>;
  /** The same evaluation (here or in the workers) over another source: the entries a tail has just received. */
  over(source: LogSource): LogqlQueries;
}

/** Throw once `deadline` (ms since the epoch) passed or `signal` aborted. */
function checkStop(deadline: number, signal: AbortSignal | undefined): void {
  if (Date.now() > deadline) throw timeoutError();
  if (signal?.aborted) throw abortError(signal.reason);
}

const NS_PER_MS = 1_000_000n;

interface EvalCtx {
  tenant: string;
  /** Step timestamps in ms. */
  steps: number[];
  stats: QueryStats;
  deadline: number;
  signal?: AbortSignal;
  maxSeries: number;
  budget?: ReadBudget;
}

/**
 * The LogQL engine: log queries (streams) and metric queries (matrix / vector), over any `LogQueryable`. The
 * ruler calls `instantQuery` for rule evaluation, as it calls the PromQL engine.
 */
export class LogqlEngine implements LogqlQueries {
  constructor(
    private readonly store: Pick<LogQueryable, 'select'>,
    private readonly opts: LogqlEngineOptions = { maxQuerySeries: () => 500, timeoutMs: () => 60_000 },
  ) {}

  static parse(query: string): Expr {
    return parseLogql(query);
  }

  async rangeQuery(p: RangeQueryParams): Promise<LogqlResult> {
    const expr = typeof p.query === 'string' ? parseLogql(p.query) : p.query;
    const t0 = performance.now();
    const stats: QueryStats = { totalLinesProcessed: 0, totalBytesProcessed: 0, totalEntriesReturned: 0, execTimeSec: 0 };
    const deadline = Date.now() + this.opts.timeoutMs(p.tenant);
    const budget = this.budget(expr, p.tenant);
    if (expr.kind === 'log') {
      const streams = await this.selectLogs(p.tenant, expr, p.start, p.end, p.limit, p.direction, stats, deadline, p.intervalMs, p.signal, budget);
      stats.execTimeSec = (performance.now() - t0) / 1000;
      return { resultType: 'streams', streams, stats };
    }
    const startMs = Number(p.start / NS_PER_MS);
    const endMs = Number(p.end / NS_PER_MS);
    const step = Math.max(1, p.stepMs);
    const steps: number[] = [];
    for (let t = startMs; t <= endMs; t += step) steps.push(t);
    const ctx: EvalCtx = { tenant: p.tenant, steps, stats, deadline, signal: p.signal, maxSeries: this.opts.maxQuerySeries(p.tenant), budget };
    const v = await this.evalMetric(expr, ctx);
    stats.execTimeSec = (performance.now() - t0) / 1000;
    if (v.type === 'scalar') {
      return { resultType: 'matrix', series: [{ labels: Labels.EMPTY, points: steps.map((t, i) => [t, v.steps[i]] as [number, number]) }], stats };
    }
    const byKey = new Map<string, { labels: Labels; points: Array<[number, number]> }>();
    v.steps.forEach((vec, i) => {
      for (const s of vec) {
        const k = s.labels.key();
        let e = byKey.get(k);
        if (!e) byKey.set(k, (e = { labels: s.labels, points: [] }));
        e.points.push([steps[i], s.value]);
      }
    });
    if (byKey.size > ctx.maxSeries) throw seriesLimitError(ctx.maxSeries);
    const series = [...byKey.values()].sort((a, b) => Labels.compare(a.labels, b.labels));
    return { resultType: 'matrix', series, stats };
  }

  async instantQuery(p: InstantQueryParams): Promise<LogqlResult> {
    const expr = typeof p.query === 'string' ? parseLogql(p.query) : p.query;
    if (expr.kind === 'log') {
      throw new LogqlEvalError('log queries are not supported as an instant query type, please change your query to a range query type');
    }
    const t0 = performance.now();
    const stats: QueryStats = { totalLinesProcessed: 0, totalBytesProcessed: 0, totalEntriesReturned: 0, execTimeSec: 0 };
    const t = Number(p.time / NS_PER_MS);
    const ctx: EvalCtx = { tenant: p.tenant, steps: [t], stats, deadline: Date.now() + this.opts.timeoutMs(p.tenant), signal: p.signal, maxSeries: this.opts.maxQuerySeries(p.tenant), budget: this.budget(expr, p.tenant) };
    const v = await this.evalMetric(expr, ctx);
    stats.execTimeSec = (performance.now() - t0) / 1000;
    if (v.type === 'scalar') return { resultType: 'scalar', t, value: v.steps[0], stats };
    const vec = v.steps[0];
    if (vec.length > ctx.maxSeries) throw seriesLimitError(ctx.maxSeries);
    const sorted = isSortExpr(expr) ? vec : [...vec].sort((a, b) => Labels.compare(a.labels, b.labels));
    return { resultType: 'vector', samples: sorted.map((s) => ({ labels: s.labels, t, value: s.value })), stats };
  }

  async detectedFields(p: DetectedFieldsParams): Promise<DetectedField[]> {
    const expr = parseLogql(p.query);
    if (expr.kind !== 'log') throw new LogqlParseError('detected_fields requires a log query');
    const r = await this.rangeQuery({ tenant: p.tenant, query: expr, start: p.start, end: p.end, stepMs: 1000, limit: p.lineLimit, direction: 'backward', signal: p.signal });
    return detectFields(r);
  }

  over(source: LogSource): LogqlEngine {
    return new LogqlEngine(source, this.opts);
  }

  /** The query's bytes-read budget under the tenant's limits, if any applies. */
  private budget(expr: Expr, tenant: string): ReadBudget | undefined {
    return ReadBudget.for(expr, this.opts.maxQueryBytesRead?.(tenant) ?? 0, this.opts.maxQuerierBytesRead?.(tenant) ?? 0);
  }

  // ---- log queries ----

  /** Entries of a log selector, through its pipeline, limited and ordered by direction; grouped by final labels. */
  async selectLogs(
    tenant: string,
    expr: LogSelectorExpr,
    start: bigint,
    end: bigint,
    limit: number,
    direction: 'forward' | 'backward',
    stats: QueryStats,
    deadline: number,
    intervalMs?: number,
    signal?: AbortSignal,
    budget?: ReadBudget,
  ): Promise<StreamResult[]> {
    const pipeline = new Pipeline(expr.stages);
    const keys = new Map<string, number>();
    const streamLabels: Labels[] = [];
    let ts: bigint[] = [];
    let lines: string[] = [];
    let sidx: number[] = [];
    const backward = direction === 'backward';
    const prune = () => {
      const order = ts.map((_, i) => i);
      order.sort((a, b) => (ts[a] === ts[b] ? 0 : (ts[a] < ts[b]) !== backward ? -1 : 1));
      order.length = Math.min(order.length, limit);
      ts = order.map((i) => ts[i]);
      lines = order.map((i) => lines[i]);
      sidx = order.map((i) => sidx[i]);
    };
    const cap = Math.max(limit * 4, 10_000);
    const entry: PipelineEntry = { line: '', ts: 0n, labels: new Map(), stream: new Set() };
    let boundary: bigint | undefined;
    for await (const b of this.store.select(tenant, { matchers: expr.matchers, start, end, filter: pipeline.pushdown, direction })) {
      checkStop(deadline, signal);
      // Batches come in time order of their chunks: once `limit` entries are better than anything left, stop.
      if (boundary !== undefined && b.maxT !== undefined && b.minT !== undefined && (backward ? b.maxT < boundary : b.minT > boundary)) break;
      budget?.add(b.bytesRead ?? 0);
      const base = b.labels;
      const baseNames = new Set(base.names());
      let baseIdx = -1;
      for (let i = 0; i < b.lines.length; i++) {
        stats.totalLinesProcessed++;
        stats.totalBytesProcessed += b.lines[i].length;
        let idx: number;
        const meta = b.metadata?.[i];
        if (pipeline.isNoop && !meta) {
          if (baseIdx < 0) baseIdx = streamIndex(base);
          idx = baseIdx;
          ts.push(b.ts[i]);
          lines.push(b.lines[i]);
          sidx.push(idx);
        } else {
          entry.line = b.lines[i];
          entry.ts = b.ts[i];
          entry.labels = new Map();
          base.forEach((n, v) => entry.labels.set(n, v));
          if (meta) for (const [n, v] of meta) entry.labels.set(n, v);
          entry.stream = baseNames;
          if (!pipeline.process(entry)) continue;
          if (!pipeline.touchesLabels && !meta) {
            if (baseIdx < 0) baseIdx = streamIndex(base);
            idx = baseIdx;
          } else idx = streamIndex(labelsOf(entry.labels));
          ts.push(entry.ts);
          lines.push(entry.line);
          sidx.push(idx);
        }
        if (ts.length > cap) prune();
      }
      if (ts.length >= limit && intervalMs === undefined) {
        prune();
        boundary = ts[limit - 1];
      }
    }
    prune();
    function streamIndex(l: Labels): number {
      const k = l.key();
      let i = keys.get(k);
      if (i === undefined) {
        i = streamLabels.length;
        keys.set(k, i);
        streamLabels.push(l);
      }
      return i;
    }
    const out: StreamResult[] = streamLabels.map((labels) => ({ labels, ts: [], lines: [] }));
    const lastKept: bigint[] = [];
    const intervalNs = intervalMs ? BigInt(Math.round(intervalMs * 1e6)) : 0n;
    for (let i = 0; i < ts.length; i++) {
      const s = sidx[i];
      if (intervalNs > 0n) {
        const last = lastKept[s];
        if (last !== undefined && (backward ? last - ts[i] : ts[i] - last) < intervalNs) continue;
        lastKept[s] = ts[i];
      }
      out[s].ts.push(ts[i]);
      out[s].lines.push(lines[i]);
    }
    const res = out.filter((s) => s.ts.length > 0);
    stats.totalEntriesReturned = res.reduce((n, s) => n + s.ts.length, 0);
    return res;
  }

  // ---- metric queries ----

  private async evalMetric(e: MetricExpr, ctx: EvalCtx): Promise<StepValues> {
    switch (e.kind) {
      case 'literal':
        return { type: 'scalar', steps: ctx.steps.map(() => e.value) };
      case 'vector':
        return { type: 'vector', steps: ctx.steps.map(() => [{ labels: Labels.EMPTY, value: e.value }]) };
      case 'range':
        return this.evalRange(e, ctx);
      case 'vectorAgg': {
        // sum by (g) of a linear range aggregation: group while collecting samples (same result, far fewer series).
        let innerExpr = e.expr;
        if (e.op === 'sum' && innerExpr.kind === 'range' && !innerExpr.grouping && LINEAR_RANGE_OPS.has(innerExpr.op)) {
          innerExpr = { ...innerExpr, grouping: e.grouping ?? { without: false, labels: [] } };
        }
        const inner = await this.evalMetric(innerExpr, ctx);
        if (inner.type === 'scalar') throw new LogqlEvalError(`parse error : unexpected scalar in ${e.op}`);
        return { type: 'vector', steps: inner.steps.map((vec) => aggregate(e.op, e.param, e.grouping, vec)) };
      }
      case 'labelReplace': {
        const inner = await this.evalMetric(e.expr, ctx);
        if (inner.type === 'scalar') return inner;
        const re = compileAnchored(e.regex);
        return {
          type: 'vector',
          steps: inner.steps.map((vec) =>
            vec.map((s) => {
              const m = re.exec(s.labels.get(e.src));
              if (!m) return s;
              const v = e.replacement.replace(/\$\{?(\w+)\}?/g, (_x, g: string) => (/^\d+$/.test(g) ? (m[Number(g)] ?? '') : (m.groups?.[g] ?? '')));
              return { labels: s.labels.builder().set(e.dst, v).labels(), value: s.value };
            }),
          ),
        };
      }
      case 'binary': {
        const l = await this.evalMetric(e.left, ctx);
        const r = await this.evalMetric(e.right, ctx);
        return binary(e, l, r);
      }
    }
  }

  private async evalRange(e: Extract<MetricExpr, { kind: 'range' }>, ctx: EvalCtx): Promise<StepValues> {
    const { steps } = ctx;
    const rangeMs = e.rangeMs;
    const offsetMs = e.offsetMs;
    const fromMs = steps[0] - offsetMs - rangeMs;
    const toMs = steps[steps.length - 1] - offsetMs;
    const start = BigInt(Math.floor(fromMs)) * NS_PER_MS + 1n;
    const end = BigInt(Math.floor(toMs)) * NS_PER_MS + 1n;
    const byLabels = e.grouping && !e.grouping.without ? e.grouping.labels : undefined;
    const pipeline = new Pipeline(e.log.stages, byLabels && !e.unwrap ? byLabels : undefined);
    const postFilters = (e.unwrap?.post ?? []).map(compileLabelFilter);
    const series = new Map<string, RangeSeries>();
    const entry: PipelineEntry = { line: '', ts: 0n, labels: new Map(), stream: new Set() };
    const bytesOp = e.op === 'bytes_over_time' || e.op === 'bytes_rate';
    const unwrap = e.unwrap;
    const byOnly = e.grouping && !e.grouping.without ? e.grouping.labels : undefined;
    const byKey = new Map<string, RangeSeries>();
    const rawPlan = RawRangePlan.plan(e, steps, getSeries, group);
    for await (const b of this.store.select(ctx.tenant, { matchers: e.log.matchers, start, end, filter: pipeline.pushdown, raw: rawPlan !== undefined })) {
      checkStop(ctx.deadline, ctx.signal);
      ctx.budget?.add(b.bytesRead ?? 0);
      if (b.raw) {
        ctx.stats.totalLinesProcessed += b.raw.hi - b.raw.lo;
        ctx.stats.totalBytesProcessed += rawPlan!.add(b);
        continue;
      }
      const baseNames = new Set(b.labels.names());
      const simple = pipeline.isNoop && !b.metadata && !unwrap && !e.grouping;
      let baseSeries: RangeSeries | undefined;
      const tsMs = b.tsMs;
      for (let i = 0; i < b.lines.length; i++) {
        ctx.stats.totalLinesProcessed++;
        ctx.stats.totalBytesProcessed += b.lines[i].length;
        let labels: Labels;
        let value: number;
        const tMs = tsMs ? tsMs[i] : Number(b.ts[i]) / 1e6;
        if (simple) {
          if (!baseSeries) baseSeries = getSeries(b.labels);
          const sr = baseSeries;
          value = bytesOp ? Buffer.byteLength(b.lines[i]) : 1;
          if (sr.ts.length > 0 && tMs < sr.ts[sr.ts.length - 1]) sr.sorted = false;
          sr.ts.push(tMs);
          sr.vals.push(value);
          continue;
        }
        entry.line = b.lines[i];
        entry.ts = b.ts[i];
        entry.labels.clear();
        b.labels.forEach((n, v) => entry.labels.set(n, v));
        const meta = b.metadata?.[i];
        if (meta) for (const [n, v] of meta) entry.labels.set(n, v);
        entry.stream = baseNames;
        if (!pipeline.process(entry)) continue;
        if (byOnly && !unwrap) {
          // `by (...)`: the series key comes straight from the grouping labels, no label set per entry.
          let key: string;
          if (byOnly.length === 1) key = entry.labels.get(byOnly[0]) ?? '';
          else {
            key = '';
            for (const n of byOnly) key += (entry.labels.get(n) ?? '') + '\xff';
          }
          let sr = byKey.get(key);
          if (!sr) {
            sr = getSeries(labelsOf(new Map(byOnly.map((n) => [n, entry.labels.get(n) ?? '']))));
            byKey.set(key, sr);
          }
          if (sr.ts.length > 0 && tMs < sr.ts[sr.ts.length - 1]) sr.sorted = false;
          sr.ts.push(tMs);
          sr.vals.push(bytesOp ? Buffer.byteLength(entry.line) : 1);
          continue;
        }
        if (unwrap) {
          const raw = entry.labels.get(unwrap.label);
          let v = NaN;
          let durErr: string | undefined;
          if (raw !== undefined) {
            if (unwrap.conv === 'bytes') v = parseBytes(raw) ?? NaN;
            else if (unwrap.conv === 'duration' || unwrap.conv === 'duration_seconds') {
              const d = parseGoDuration(raw);
              if ('error' in d) durErr = d.error;
              else v = d.ms / 1000;
            } else v = raw.trim() === '' ? NaN : Number(raw);
          }
          if (Number.isNaN(v)) {
            setError(entry.labels, 'SampleExtractionErr', raw === undefined ? `label ${unwrap.label} not found` : durErr ?? `strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`);
            v = 0;
          }
          entry.labels.delete(unwrap.label);
          let keep = true;
          for (const f of postFilters) if (!f(entry.labels)) keep = false;
          if (!keep) continue;
          value = v;
        } else value = bytesOp ? Buffer.byteLength(entry.line) : 1;
        if (entry.labels.has(ERROR_LABEL) && !entry.labels.get(ERROR_DETAILS_LABEL)) entry.labels.delete(ERROR_DETAILS_LABEL);
        labels = labelsOf(entry.labels);
        if (e.grouping) labels = group(labels, e.grouping);
        const sr = getSeries(labels);
        if (sr.ts.length > 0 && tMs < sr.ts[sr.ts.length - 1]) sr.sorted = false;
        sr.ts.push(tMs);
        sr.vals.push(value);
      }
    }
    function getSeries(l: Labels): RangeSeries {
      const k = l.key();
      let s = series.get(k);
      if (!s) {
        series.set(k, (s = { labels: l, ts: [], vals: [], sorted: true }));
        // Loki limits the series of the result; intermediate series get a generous cap that protects memory.
        if (series.size > ctx.maxSeries * 100) throw seriesLimitError(ctx.maxSeries);
      }
      return s;
    }
    for (const s of series.values()) {
      if (s.sorted) continue;
      // Chunks of several streams overlap in time. When every value is the same (counts), a native numeric sort of
      // the timestamps alone is enough and far cheaper than sorting an index with a comparator.
      const v0 = s.vals[0];
      let same = true;
      for (let i = 1; i < s.vals.length && same; i++) if (s.vals[i] !== v0) same = false;
      if (same) {
        s.ts = Array.from(Float64Array.from(s.ts).sort());
        continue;
      }
      const idx = s.ts.map((_, i) => i).sort((a, b) => s.ts[a] - s.ts[b]);
      s.ts = idx.map((i) => s.ts[i]);
      s.vals = idx.map((i) => s.vals[i]);
    }
    const rangeSec = rangeMs / 1000;
    const out: Sample[][] = steps.map(() => []);
    if (e.op === 'absent_over_time') {
      const absentLabels = Labels.fromPairs(e.log.matchers.filter((m) => m.type === '=').map((m) => [m.name, m.value] as [string, string]));
      steps.forEach((t, si) => {
        const lo = t - offsetMs - rangeMs;
        const hi = t - offsetMs;
        let any = false;
        for (const s of series.values()) {
          const a = upperBound(s.ts, lo);
          if (a < s.ts.length && s.ts[a] <= hi) {
            any = true;
            break;
          }
        }
        if (!any) out[si].push({ labels: absentLabels, value: 1 });
      });
      return { type: 'vector', steps: out };
    }
    for (const s of series.values()) {
      // Lines counted from raw batches: per-step totals added to what the samples give (linear ops only).
      const acc = s.acc ? stepTotals(s.acc, steps.length) : undefined;
      let a = 0;
      let z = 0;
      for (let si = 0; si < steps.length; si++) {
        const lo = steps[si] - offsetMs - rangeMs;
        const hi = steps[si] - offsetMs;
        while (a < s.ts.length && s.ts[a] <= lo) a++;
        if (z < a) z = a;
        while (z < s.ts.length && s.ts[z] <= hi) z++;
        const accN = acc ? acc.count[si] : 0;
        if (z <= a && accN === 0) continue;
        let v = z > a ? rangeValue(e.op, e.param, s.vals, s.ts, a, z, rangeSec, lo, hi) : 0;
        if (v === undefined) continue;
        if (accN > 0) v += accContribution(e.op, accN, acc!.sum[si], rangeSec);
        out[si].push({ labels: s.labels, value: v });
      }
    }
    return { type: 'vector', steps: out };
  }
}

/** A series of a range aggregation: its samples, and the step accumulators of lines counted from raw batches. */
interface RangeSeries extends RawSeries {
  labels: Labels;
  ts: number[];
  vals: number[];
  sorted: boolean;
}

const LINEAR_RANGE_OPS = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum_over_time']);

function isSortExpr(e: MetricExpr): boolean {
  return e.kind === 'vectorAgg' && (e.op === 'sort' || e.op === 'sort_desc' || e.op === 'topk' || e.op === 'bottomk');
}

function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function rangeValue(op: string, param: number | undefined, v: number[], ts: number[], a: number, z: number, rangeSec: number, lo: number, hi: number): number | undefined {
  const n = z - a;
  switch (op) {
    case 'count_over_time':
      return n;
    case 'rate':
    case 'bytes_rate': {
      let sum = 0;
      for (let i = a; i < z; i++) sum += v[i];
      return sum / rangeSec;
    }
    case 'bytes_over_time':
    case 'sum_over_time': {
      let sum = 0;
      for (let i = a; i < z; i++) sum += v[i];
      return sum;
    }
    case 'avg_over_time': {
      let sum = 0;
      for (let i = a; i < z; i++) sum += v[i];
      return sum / n;
    }
    case 'min_over_time': {
      let m = Infinity;
      for (let i = a; i < z; i++) if (v[i] < m || Number.isNaN(v[i])) m = v[i];
      return m;
    }
    case 'max_over_time': {
      let m = -Infinity;
      for (let i = a; i < z; i++) if (v[i] > m || Number.isNaN(v[i])) m = v[i];
      return m;
    }
    case 'stddev_over_time':
    case 'stdvar_over_time': {
      let mean = 0;
      let m2 = 0;
      let k = 0;
      for (let i = a; i < z; i++) {
        k++;
        const d = v[i] - mean;
        mean += d / k;
        m2 += d * (v[i] - mean);
      }
      const variance = m2 / k;
      return op === 'stdvar_over_time' ? variance : Math.sqrt(variance);
    }
    case 'quantile_over_time':
      return quantile(param ?? 0, v.slice(a, z));
    case 'first_over_time':
      return v[a];
    case 'last_over_time':
      return v[z - 1];
    case 'rate_counter':
      return extrapolatedRate(v, ts, a, z, lo, hi);
    default:
      return undefined;
  }
}

/** Prometheus's quantile (φ-quantile with linear interpolation). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const s = [...values].sort((x, y) => x - y);
  const rank = q * (s.length - 1);
  const lo = Math.max(0, Math.floor(rank));
  const hi = Math.min(s.length - 1, lo + 1);
  const w = rank - Math.floor(rank);
  return s[lo] * (1 - w) + s[hi] * w;
}

/** Prometheus's extrapolated counter rate over [lo, hi] (ms), as Loki's rate_counter uses it. */
function extrapolatedRate(v: number[], ts: number[], a: number, z: number, lo: number, hi: number): number | undefined {
  if (z - a < 2) return undefined;
  let result = v[z - 1] - v[a];
  let prev = v[a];
  for (let i = a + 1; i < z; i++) {
    if (v[i] < prev) result += prev;
    prev = v[i];
  }
  const durationToStart = (ts[a] - lo) / 1000;
  const durationToEnd = (hi - ts[z - 1]) / 1000;
  const sampled = (ts[z - 1] - ts[a]) / 1000;
  const avgBetween = sampled / (z - a - 1);
  let extrapolateToInterval = sampled;
  let toStart = durationToStart;
  if (result > 0 && v[a] >= 0) {
    const durationToZero = sampled * (v[a] / result);
    if (durationToZero < toStart) toStart = durationToZero;
  }
  const threshold = avgBetween * 1.1;
  extrapolateToInterval += toStart < threshold ? toStart : avgBetween / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : avgBetween / 2;
  result = result * (extrapolateToInterval / sampled);
  return result / ((hi - lo) / 1000);
}

function group(l: Labels, g: Grouping): Labels {
  return g.without ? l.without(...g.labels, ERROR_LABEL, ERROR_DETAILS_LABEL) : l.withOnly(...g.labels);
}

function aggregate(op: string, param: number | undefined, grouping: Grouping | undefined, vec: Sample[]): Sample[] {
  if (op === 'sort' || op === 'sort_desc') {
    return [...vec].sort((x, y) => (op === 'sort' ? x.value - y.value : y.value - x.value));
  }
  const groups = new Map<string, { labels: Labels; samples: Sample[] }>();
  for (const s of vec) {
    const gl = grouping ? group(s.labels, grouping) : Labels.EMPTY;
    const k = gl.key();
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { labels: gl, samples: [] }));
    g.samples.push(s);
  }
  const out: Sample[] = [];
  for (const g of groups.values()) {
    const vals = g.samples.map((s) => s.value);
    switch (op) {
      case 'sum':
        out.push({ labels: g.labels, value: vals.reduce((x, y) => x + y, 0) });
        break;
      case 'avg':
        out.push({ labels: g.labels, value: vals.reduce((x, y) => x + y, 0) / vals.length });
        break;
      case 'count':
        out.push({ labels: g.labels, value: vals.length });
        break;
      case 'max':
        out.push({ labels: g.labels, value: Math.max(...vals) });
        break;
      case 'min':
        out.push({ labels: g.labels, value: Math.min(...vals) });
        break;
      case 'stddev':
      case 'stdvar': {
        const mean = vals.reduce((x, y) => x + y, 0) / vals.length;
        const variance = vals.reduce((x, y) => x + (y - mean) ** 2, 0) / vals.length;
        out.push({ labels: g.labels, value: op === 'stddev' ? Math.sqrt(variance) : variance });
        break;
      }
      case 'topk':
      case 'bottomk': {
        const k = Math.floor(param ?? 1);
        const sorted = [...g.samples].sort((x, y) => (op === 'topk' ? y.value - x.value : x.value - y.value));
        out.push(...sorted.slice(0, k));
        break;
      }
    }
  }
  return out;
}

const COMPARISON = new Set(['==', '!=', '>', '>=', '<', '<=']);

function applyOp(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    default:
      return NaN;
  }
}

function binary(e: Extract<MetricExpr, { kind: 'binary' }>, l: StepValues, r: StepValues): StepValues {
  const op = e.op;
  const cmp = COMPARISON.has(op);
  if (l.type === 'scalar' && r.type === 'scalar') {
    return { type: 'scalar', steps: l.steps.map((x, i) => applyOp(op, x, r.steps[i])) };
  }
  if (l.type === 'vector' && r.type === 'scalar') {
    return {
      type: 'vector',
      steps: l.steps.map((vec, i) => {
        const out: Sample[] = [];
        for (const s of vec) {
          const v = applyOp(op, s.value, r.steps[i]);
          if (cmp && !e.bool) {
            if (v === 1) out.push(s);
          } else out.push({ labels: s.labels, value: v });
        }
        return out;
      }),
    };
  }
  if (l.type === 'scalar' && r.type === 'vector') {
    return {
      type: 'vector',
      steps: r.steps.map((vec, i) => {
        const out: Sample[] = [];
        for (const s of vec) {
          const v = applyOp(op, l.steps[i], s.value);
          if (cmp && !e.bool) {
            if (v === 1) out.push({ labels: s.labels, value: l.steps[i] });
          } else out.push({ labels: s.labels, value: v });
        }
        return out;
      }),
    };
  }
  const lv = l as Extract<StepValues, { type: 'vector' }>;
  const rv = r as Extract<StepValues, { type: 'vector' }>;
  const m = e.matching;
  const sig = (x: Labels) => (m ? (m.on ? x.withOnly(...m.labels) : x.without(...m.labels)) : x).key();
  return {
    type: 'vector',
    steps: lv.steps.map((lvec, i) => {
      const rvec = rv.steps[i];
      if (op === 'and' || op === 'unless') {
        const rs = new Set(rvec.map((s) => sig(s.labels)));
        return lvec.filter((s) => rs.has(sig(s.labels)) === (op === 'and'));
      }
      if (op === 'or') {
        const ls = new Set(lvec.map((s) => sig(s.labels)));
        return [...lvec, ...rvec.filter((s) => !ls.has(sig(s.labels)))];
      }
      const out: Sample[] = [];
      if (m?.group) {
        const many = m.group === 'left' ? lvec : rvec;
        const one = m.group === 'left' ? rvec : lvec;
        const oneBy = new Map<string, Sample>();
        for (const s of one) {
          const k = sig(s.labels);
          if (oneBy.has(k)) throw new LogqlEvalError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
          oneBy.set(k, s);
        }
        for (const s of many) {
          const o = oneBy.get(sig(s.labels));
          if (!o) continue;
          const [a, b] = m.group === 'left' ? [s.value, o.value] : [o.value, s.value];
          const v = applyOp(op, a, b);
          let labels = s.labels;
          if (m.include.length) {
            const bld = labels.builder();
            for (const n of m.include) bld.set(n, o.labels.get(n));
            labels = bld.labels();
          }
          if (cmp && !e.bool) {
            if (v === 1) out.push({ labels, value: s.value });
          } else out.push({ labels, value: v });
        }
        return out;
      }
      const rBy = new Map<string, Sample>();
      for (const s of rvec) {
        const k = sig(s.labels);
        if (rBy.has(k)) throw new LogqlEvalError('found duplicate series for the match group on the right hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side');
        rBy.set(k, s);
      }
      const seen = new Set<string>();
      for (const s of lvec) {
        const k = sig(s.labels);
        const o = rBy.get(k);
        if (!o) continue;
        if (seen.has(k)) throw new LogqlEvalError('found duplicate series for the match group on the left hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side');
        seen.add(k);
        const v = applyOp(op, s.value, o.value);
        const labels = m ? (m.on ? s.labels.withOnly(...m.labels) : s.labels.without(...m.labels)) : s.labels;
        if (cmp && !e.bool) {
          if (v === 1) out.push({ labels: s.labels, value: s.value });
        } else out.push({ labels, value: v });
      }
      return out;
    }),
  };
}

export type { Matcher };
