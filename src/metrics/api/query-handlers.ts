import { PromqlError, type QueryOptions, type QueryResult } from '../promql/types.js';
import { ApiError, badData, invalidParam } from './api-error.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { TRUNCATED_WARNING } from './handler-context.js';
import { jsonString, valueJson } from './json-encoding.js';
import { limitParam, parseDurationNs, requiredTimeParam, timeParam } from './params.js';
import { queryDataJson, statsJson, truncateValue } from './query-result-json.js';

const MAX_POINTS = 11000;

/** Prometheus keeps at most 10 warnings and 10 infos and says how many it left out. */
const MAX_ANNOTATIONS = 10;

function capAnnotations(list: string[], kind: 'warning' | 'info'): string[] {
  const uniq = [...new Set(list)];
  if (uniq.length <= MAX_ANNOTATIONS) return uniq;
  const kept = uniq.slice(0, MAX_ANNOTATIONS);
  kept.push(`${uniq.length - MAX_ANNOTATIONS} more ${kind} annotations omitted`);
  return kept;
}

const STATS_VALUES = new Set(['', 'true', 'all']);

interface CommonQueryOptions {
  timeoutMs: number | undefined;
  lookbackDelta: number | undefined;
}

/** `timeout` and `lookback_delta`, in Prometheus's order and with its messages. */
function commonOptions(ctx: HandlerContext): CommonQueryOptions {
  const p = ctx.params;
  let timeoutMs: number | undefined;
  const to = p.get('timeout');
  if (to !== '') {
    try {
      timeoutMs = parseDurationNs(to) / 1e6;
    } catch (e) {
      throw invalidParam('timeout', (e as Error).message);
    }
  }
  let lookbackDelta: number | undefined;
  const lb = p.get('lookback_delta');
  if (lb !== '') {
    try {
      lookbackDelta = parseDurationNs(lb) / 1e6;
    } catch (e) {
      throw badData(`error parsing lookback delta duration: ${(e as Error).message}`);
    }
    if (lookbackDelta === 0) lookbackDelta = undefined; // Prometheus: 0 means the engine's default
  }
  return { timeoutMs, lookbackDelta };
}

/** Map what the engine threw to Prometheus's API error (parse errors become `invalid parameter "query"`). */
function engineError(e: unknown, signal: AbortSignal): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof PromqlError) {
    switch (e.type) {
      case 'bad_data':
        return invalidParam('query', e.message);
      case 'execution':
        return new ApiError('execution', e.message);
      case 'timeout':
        return new ApiError('timeout', e.message);
      case 'canceled':
        return new ApiError('canceled', e.message);
      case 'internal':
        return new ApiError('internal', e.message);
    }
  }
  if (signal.aborted) return abortError(signal);
  return new ApiError('execution', e instanceof Error ? e.message : String(e));
}

function abortError(signal: AbortSignal): ApiError {
  return signal.reason === 'timeout'
    ? new ApiError('timeout', 'query timed out in expression evaluation')
    : new ApiError('canceled', 'query was canceled in expression evaluation');
}

/**
 * Run one engine call under the concurrency gate with the request's deadline (the smaller of the `timeout`
 * parameter and the configured query timeout). The deadline is enforced here too, so an engine that misses the
 * signal still answers 503 on time.
 */
async function runQuery(
  ctx: HandlerContext,
  common: CommonQueryOptions,
  call: (opts: QueryOptions) => Promise<QueryResult>,
): Promise<{ result: QueryResult; totalMs: number; queueMs: number }> {
  const started = performance.now();
  const timeoutMs = Math.min(common.timeoutMs ?? Infinity, ctx.queryTimeoutMs);
  const ac = new AbortController();
  const onClientGone = () => ac.abort('canceled');
  if (ctx.signal.aborted) ac.abort('canceled');
  else ctx.signal.addEventListener('abort', onClientGone, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const fire = () => {
      ac.abort('timeout');
      reject(abortError(ac.signal));
    };
    if (timeoutMs <= 0) fire();
    else if (Number.isFinite(timeoutMs)) timer = setTimeout(fire, timeoutMs);
    ac.signal.addEventListener('abort', () => reject(abortError(ac.signal)), { once: true });
  });
  deadline.catch(() => {});
  let acquired = false;
  try {
    await Promise.race([ctx.gate.acquire(ac.signal).then(() => (acquired = true)), deadline]);
    const queueMs = performance.now() - started;
    const remaining = Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs - queueMs) : undefined;
    const opts: QueryOptions = { signal: ac.signal };
    if (remaining !== undefined) opts.timeoutMs = remaining;
    if (common.lookbackDelta !== undefined) opts.lookbackDelta = common.lookbackDelta;
    const result = await Promise.race([call(opts), deadline]);
    return { result, totalMs: performance.now() - started, queueMs };
  } catch (e) {
    throw engineError(e, ac.signal);
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onClientGone);
    if (acquired) ctx.gate.release();
  }
}

function respondQuery(ctx: HandlerContext, run: { result: QueryResult; totalMs: number; queueMs: number }, limit: number): ApiResult {
  const { result } = run;
  const warnings = [...result.warnings];
  let value = result.value;
  if (limit > 0) {
    const t = truncateValue(value, limit);
    value = t.value;
    if (t.truncated) warnings.push(TRUNCATED_WARNING);
  }
  const statsParam = ctx.params.get('stats');
  if (!STATS_VALUES.has(statsParam)) {
    warnings.push(`value ${JSON.stringify(statsParam)} for parameter "stats" is deprecated and will be rejected in the next major release, use "true" or "all"`);
  }
  const stats = statsParam !== '' ? statsJson(result, run.totalMs, run.queueMs) : undefined;
  return { data: queryDataJson(value, stats), warnings: capAnnotations(warnings, 'warning'), infos: capAnnotations(result.infos, 'info') };
}

export async function instantQuery(ctx: HandlerContext): Promise<ApiResult> {
  const p = ctx.params;
  const limit = limitParam(p);
  const time = timeParam(p, 'time', ctx.now());
  const common = commonOptions(ctx);
  const expr = p.get('query');
  const run = await runQuery(ctx, common, (opts) => ctx.deps.engine.instantQuery(expr, time, opts));
  return respondQuery(ctx, run, limit);
}

export async function rangeQuery(ctx: HandlerContext): Promise<ApiResult> {
  const p = ctx.params;
  const limit = limitParam(p);
  const start = requiredTimeParam(p, 'start');
  const end = requiredTimeParam(p, 'end');
  if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
  let stepNs: number;
  try {
    stepNs = parseDurationNs(p.get('step'));
  } catch (e) {
    throw invalidParam('step', (e as Error).message);
  }
  const stepMs = Math.trunc(stepNs / 1e6);
  if (stepNs <= 0 || stepMs <= 0) throw invalidParam('step', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
  // Go: end.Sub(start)/step > 11000, integer nanoseconds.
  if (Math.floor(((end - start) * 1e6) / stepNs) > MAX_POINTS) {
    throw badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  const common = commonOptions(ctx);
  const expr = p.get('query');
  const run = await runQuery(ctx, common, (opts) => ctx.deps.engine.rangeQuery(expr, start, end, stepMs, opts));
  return respondQuery(ctx, run, limit);
}

function parseOnly<T>(ctx: HandlerContext, fn: ((expr: string) => T) | undefined, what: string): T {
  if (!fn) throw new ApiError('internal', `${what} is not available`);
  try {
    return fn(ctx.params.get('query'));
  } catch (e) {
    if (e instanceof PromqlError && e.type !== 'bad_data') throw new ApiError(e.type, e.message);
    throw invalidParam('query', e instanceof Error ? e.message : String(e));
  }
}

export async function formatQuery(ctx: HandlerContext): Promise<ApiResult> {
  return { data: jsonString(parseOnly(ctx, ctx.deps.formatQuery, 'format_query')) };
}

export async function parseQuery(ctx: HandlerContext): Promise<ApiResult> {
  return { data: valueJson(parseOnly(ctx, ctx.deps.parseQuery, 'parse_query')) };
}
