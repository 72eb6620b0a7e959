import { QUERY_LANE, TimeSlicer } from '../../lib/time-slice.js';
import { Labels, type FloatHistogram } from '../../model/index.js';
import type { Queryable } from '../storage-api/index.js';
import type { Expr } from './ast.js';
import { Evaluator, type QueryContext } from './evaluator.js';
import { timeBounds } from './time-bounds.js';
import { windowAt } from './matrix-selector.js';
import { parseExpr } from './parser.js';
import { PromqlError, type InstantSample, type PromqlEngine, type QueryOptions, type QueryResult, type QueryValue, type RangeSeries } from './types.js';
import { METADATA_LABELS, type StepSeries, type Value } from './values.js';

/** Prometheus refuses range queries that would return more points than this per series. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** Default time slice of query evaluation on the shared event loop (see `EngineOptions.timeSliceMs`). */
export const DEFAULT_TIME_SLICE_MS = 10;

export interface EngineOptions {
  lookbackDelta?: number;
  maxSamples?: number;
  timeoutMs?: number;
  /** Step of subqueries without an explicit step (Prometheus: the global evaluation interval, 1m). */
  defaultSubqueryStepMs?: number;
  experimentalFunctions?: boolean;
  /** Longest stretch (ms) a query holds the event loop before yielding to ingest and other requests; 0 never yields. */
  timeSliceMs?: number;
}

/**
 * Syntax trees of the last `RECENTLY_PARSED` expressions this thread parsed, by text: dashboards and rules send the
 * same expressions again and again, and parsing one (~0.5 ms) is a visible part of a small query.
 */
const RECENTLY_PARSED = 256;
const recentlyParsed = new Map<string, Expr>();

/** The PromQL engine over any `Queryable`. Defaults are those of `metrics.query` in the config. */
export class Engine implements PromqlEngine {
  readonly lookbackDelta: number;
  readonly maxSamples: number;
  readonly timeoutMs: number;
  readonly subqueryStep: number;

  constructor(
    private readonly storage: Queryable,
    private readonly opts: EngineOptions = {},
  ) {
    this.lookbackDelta = opts.lookbackDelta ?? 300_000;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.subqueryStep = opts.defaultSubqueryStepMs ?? 60_000;
  }

  /** An engine with the limits of the `metrics.query` config section. */
  static fromConfig(storage: Queryable, query: { timeout: number; max_samples: number; lookback_delta: number }): Engine {
    return new Engine(storage, { timeoutMs: query.timeout, maxSamples: query.max_samples, lookbackDelta: query.lookback_delta });
  }

  /** `expr` parsed; the syntax trees of recent expressions are kept (evaluation only reads them). */
  parse(expr: string): Expr {
    const key = (this.opts.experimentalFunctions ? '1' : '0') + expr;
    let ast = recentlyParsed.get(key);
    if (ast) {
      // Most recently used last: the first entry is the one to forget.
      recentlyParsed.delete(key);
    } else {
      ast = parseExpr(expr, { experimentalFunctions: this.opts.experimentalFunctions });
      if (recentlyParsed.size >= RECENTLY_PARSED) recentlyParsed.delete(recentlyParsed.keys().next().value!);
    }
    recentlyParsed.set(key, ast);
    return ast;
  }

  instantQuery(expr: string, time: number, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.exec(expr, time, time, 0, opts);
  }

  rangeQuery(expr: string, start: number, end: number, step: number, opts: QueryOptions = {}): Promise<QueryResult> {
    if (step <= 0) throw new PromqlError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (end < start) throw new PromqlError('bad_data', 'end timestamp must not be before start time');
    return this.exec(expr, start, end, step, opts);
  }

  private async exec(query: string, start: number, end: number, step: number, opts: QueryOptions): Promise<QueryResult> {
    const t0 = performance.now();
    const ast = this.parse(query);
    const isRange = step > 0;
    const top = unwrap(ast);
    if (isRange && (top.kind === 'matrix' || top.kind === 'subquery')) {
      throw new PromqlError('bad_data', `invalid expression type "range vector" for range query, must be Scalar or instant Vector`);
    }
    if (isRange && top.kind === 'string') throw new PromqlError('bad_data', `invalid expression type "string" for range query, must be Scalar or instant Vector`);
    const lookback = opts.lookbackDelta ?? this.lookbackDelta;
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    const ctx: QueryContext = {
      querier: undefined as unknown as QueryContext['querier'],
      query,
      queryStart: start,
      queryEnd: end,
      lookbackDelta: lookback,
      maxSamples: this.maxSamples,
      deadline: Date.now() + timeout,
      signal: opts.signal,
      // every=1: the evaluator's callers already call pause() only every so many series.
      slice: (this.opts.timeSliceMs ?? DEFAULT_TIME_SLICE_MS) > 0 ? new TimeSlicer(this.opts.timeSliceMs ?? DEFAULT_TIME_SLICE_MS, 1, QUERY_LANE) : undefined,
      subqueryStep: this.subqueryStep,
      warnings: new Set(),
      infos: new Set(),
      currentSamples: 0,
      peakSamples: 0,
      samplesLoaded: 0,
      isRange,
    };
    // One querier over exactly the time range the selectors need (ranges, offsets, @, subqueries, lookback).
    const ev = new Evaluator(ctx, start, end, isRange ? step : 1);
    const [mint, maxt] = timeBounds(ev, ast);
    const querier = await this.storage.querier(mint, maxt);
    ctx.querier = querier;
    try {
      let value: QueryValue;
      if (!isRange && (top.kind === 'matrix' || top.kind === 'subquery')) {
        const v = await ev.eval(top);
        if (v.type !== 'matrix') throw new PromqlError('internal', 'expected range vector');
        const series: RangeSeries[] = [];
        for (const s of v.m.series) {
          const [lo, hi] = windowAt(v.m, start, s);
          if (hi <= lo) continue;
          const rs: RangeSeries = { labels: s.dropName ? s.labels.without(...METADATA_LABELS) : s.labels, t: Array.from(s.t.subarray(lo, hi)), v: Array.from(s.v.subarray(lo, hi)) };
          if (s.h) rs.h = s.h.slice(lo, hi);
          series.push(rs);
        }
        value = { type: 'matrix', series };
      } else {
        const v = await ev.eval(ast);
        value = isRange ? toMatrix(v, ev) : toInstant(v, start);
      }
      return {
        value,
        warnings: [...ctx.warnings],
        infos: [...ctx.infos],
        stats: { samplesLoaded: ctx.samplesLoaded, peakSamples: ctx.peakSamples, evalMs: performance.now() - t0 },
      };
    } finally {
      querier.close();
    }
  }
}

function unwrap(e: Expr): Expr {
  while (e.kind === 'paren') e = e.expr;
  return e;
}

function finalLabels(s: StepSeries): Labels {
  return s.dropName ? s.labels.without(...METADATA_LABELS) : s.labels;
}

function toInstant(v: Value, t: number): QueryValue {
  switch (v.type) {
    case 'scalar':
      return { type: 'scalar', t, v: v.v[0] };
    case 'string':
      return { type: 'string', t, v: v.v };
    case 'vector': {
      const samples: InstantSample[] = [];
      const seen = new Set<string>();
      for (const s of v.series) {
        if (!s.has[0]) continue;
        const labels = finalLabels(s);
        const k = labels.key();
        if (seen.has(k)) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
        seen.add(k);
        const h = s.hist(0);
        samples.push(h ? { labels, t, v: 0, h } : { labels, t, v: s.v[0] });
      }
      return { type: 'vector', samples };
    }
    case 'matrix':
      throw new PromqlError('internal', 'unexpected range vector');
  }
}

function toMatrix(v: Value, ev: Evaluator): QueryValue {
  const steps = ev.steps;
  if (v.type === 'scalar') {
    return { type: 'matrix', series: [{ labels: Labels.EMPTY, t: Array.from(ev.times), v: Array.from(v.v) }] };
  }
  if (v.type !== 'vector') throw new PromqlError('bad_data', `invalid expression type "${v.type}" for range query, must be Scalar or instant Vector`);
  const byKey = new Map<string, { labels: Labels; has: Uint8Array; v: Float64Array; h?: (FloatHistogram | undefined)[] }>();
  for (const s of v.series) {
    const labels = finalLabels(s);
    const k = labels.key();
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, { labels, has: s.has, v: s.v, h: s.h ? s.h.slice() : undefined });
      continue;
    }
    for (let i = 0; i < steps; i++) {
      if (!s.has[i]) continue;
      if (prev.has[i]) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
      prev.has[i] = 1;
      prev.v[i] = s.v[i];
      const h = s.hist(i);
      if (h) (prev.h ??= new Array<FloatHistogram | undefined>(steps).fill(undefined))[i] = h;
    }
  }
  const series: RangeSeries[] = [];
  for (const s of byKey.values()) {
    let n = 0;
    for (let i = 0; i < steps; i++) n += s.has[i];
    if (n === 0) continue;
    const t = new Float64Array(n);
    const vals = new Float64Array(n);
    const hs = s.h ? new Array<FloatHistogram | undefined>(n) : undefined;
    let k = 0;
    for (let i = 0; i < steps; i++) {
      if (!s.has[i]) continue;
      t[k] = ev.times[i];
      if (hs) hs[k] = s.h![i];
      vals[k++] = s.v[i];
    }
    series.push(hs ? { labels: s.labels, t, v: vals, h: hs } : { labels: s.labels, t, v: vals });
  }
  series.sort((a, b) => Labels.compare(a.labels, b.labels));
  return { type: 'matrix', series };
}
