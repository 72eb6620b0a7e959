import { Labels, compareStrings, type Matcher } from '../../model/index.js';
import { sortSliced } from '../../lib/sliced-sort.js';
import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer } from '../../lib/time-slice.js';
import type { Querier, Series } from '../storage-api/interface.js';
import { ApiError, badData, invalidParam } from './api-error.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { TRUNCATED_WARNING } from './handler-context.js';
import { jsonString, labelsJson } from './json-encoding.js';
import { MAX_TIME_MS, MIN_TIME_MS, limitParam, timeParam } from './params.js';
import { parseMetricSelector } from '../promql/index.js';

/** Prometheus's `parseMatchersParam`: every set needs a matcher that does not match the empty string. */
export function parseMatchers(selectors: string[]): Matcher[][] {
  const sets = selectors.map((s) => parseMetricSelector(s));
  for (const set of sets) {
    if (!set.some((m) => !m.matchesEmpty())) throw new Error('match[] must contain at least one non-empty matcher');
  }
  return sets;
}

/** The `limit + 1` Prometheus passes to storage, so that truncation can be detected. */
function hintLimit(limit: number): number {
  return limit > 0 ? limit + 1 : 0;
}

async function withQuerier<T>(ctx: HandlerContext, start: number, end: number, fn: (q: Querier) => Promise<T>): Promise<T> {
  let q: Querier;
  try {
    q = await ctx.deps.queryable.querier(start, end);
  } catch (e) {
    throw storageError(e);
  }
  try {
    return await fn(q);
  } catch (e) {
    throw storageError(e);
  } finally {
    q.close();
  }
}

function storageError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError('execution', e instanceof Error ? e.message : String(e));
}

function stringArray(values: string[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    out += jsonString(values[i]);
  }
  return out + ']';
}

export async function series(ctx: HandlerContext): Promise<ApiResult> {
  const p = ctx.params;
  const selectors = p.all('match[]');
  if (selectors.length === 0) throw badData('no match[] parameter provided');
  const limit = limitParam(p);
  const start = timeParam(p, 'start', MIN_TIME_MS);
  const end = timeParam(p, 'end', MAX_TIME_MS);
  let sets: Matcher[][];
  try {
    sets = parseMatchers(selectors);
  } catch (e) {
    throw invalidParam('match[]', (e as Error).message);
  }
  return withQuerier(ctx, start, end, async (q) => {
    const hints = { start, end, func: 'series', limit: hintLimit(limit) };
    let found: Series[];
    if (sets.length === 1) {
      found = await q.select(sets[0], hints, true);
    } else {
      const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 64, QUERY_LANE);
      const byKey = new Map<string, Series>();
      for (const set of sets) {
        ctx.signal.throwIfAborted();
        for (const s of await q.select(set, hints, true)) {
          byKey.set(s.labels.key(), s);
          if (slicer.due()) await slicer.yieldNow();
        }
      }
      found = await sortSliced([...byKey.values()], (a, b) => Labels.compare(a.labels, b.labels), slicer);
    }
    const warnings: string[] = [];
    let n = found.length;
    if (limit > 0 && n > limit) {
      n = limit;
      warnings.push(TRUNCATED_WARNING);
    }
    const data = function* () {
      let buf = '[';
      for (let i = 0; i < n; i++) {
        if (i > 0) buf += ',';
        buf += labelsJson(found[i].labels);
        if (buf.length > 64 * 1024) {
          yield buf;
          buf = '';
        }
      }
      yield buf + ']';
    };
    return { data: data(), warnings };
  });
}

/** `limit`, `start`, `end` and `match[]` as the label-name and label-value endpoints read them. */
function labelQueryParams(ctx: HandlerContext): { limit: number; start: number; end: number; sets: Matcher[][] } {
  const p = ctx.params;
  const limit = limitParam(p);
  const start = timeParam(p, 'start', MIN_TIME_MS);
  const end = timeParam(p, 'end', MAX_TIME_MS);
  try {
    return { limit, start, end, sets: parseMatchers(p.all('match[]')) };
  } catch (e) {
    throw badData((e as Error).message);
  }
}

export async function labelNames(ctx: HandlerContext): Promise<ApiResult> {
  const { limit, start, end, sets } = labelQueryParams(ctx);
  return withQuerier(ctx, start, end, async (q) => {
    let names: string[];
    if (sets.length > 1) {
      const all = new Set<string>();
      for (const set of sets) for (const n of await q.labelNames(set, hintLimit(limit))) all.add(n);
      names = [...all].sort(compareStrings);
    } else {
      names = await q.labelNames(sets[0] ?? [], hintLimit(limit));
    }
    return truncated(names, limit);
  });
}

function truncated(values: string[], limit: number): ApiResult {
  if (limit > 0 && values.length > limit) return { data: stringArray(values.slice(0, limit)), warnings: [TRUNCATED_WARNING] };
  return { data: stringArray(values) };
}

const LEGACY_CHAR = /[a-zA-Z0-9_:]/;

/** Prometheus's `model.UnescapeName` for the `U__` value-encoding escaping; the input when it is not valid. */
export function unescapeLabelName(name: string): string {
  if (!name.startsWith('U__')) return name;
  const s = name.slice(3);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '_') {
      if (!LEGACY_CHAR.test(c)) return name;
      out += c;
      continue;
    }
    if (s[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const close = s.indexOf('_', i + 1);
    if (close < 0) return name;
    const hex = s.slice(i + 1, close);
    if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) return name;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return name;
    out += String.fromCodePoint(cp);
    i = close;
  }
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Prometheus 3 validates label names as UTF-8: anything non-empty and well-formed. */
function isValidUtf8LabelName(name: string): boolean {
  return name.length > 0 && !LONE_SURROGATE.test(name);
}

export async function labelValues(ctx: HandlerContext): Promise<ApiResult> {
  const name = unescapeLabelName(ctx.path.name ?? '');
  if (!isValidUtf8LabelName(name)) throw badData(`invalid label name: ${JSON.stringify(name)}`);
  const { limit, start, end, sets } = labelQueryParams(ctx);
  return withQuerier(ctx, start, end, async (q) => {
    let values: string[];
    if (sets.length > 1) {
      const all = new Set<string>();
      for (const set of sets) for (const v of await q.labelValues(name, set, hintLimit(limit))) all.add(v);
      values = [...all];
    } else {
      values = await q.labelValues(name, sets[0] ?? [], hintLimit(limit));
    }
    values.sort(compareStrings);
    return truncated(values, limit);
  });
}
