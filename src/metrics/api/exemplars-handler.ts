import type { Matcher } from '../../model/index.js';
import { ApiError, badData } from './api-error.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { formatSampleValue, formatTimestamp } from './float-format.js';
import { labelsJson } from './json-encoding.js';
import { MAX_TIME_MS, MIN_TIME_MS, timeParam } from './params.js';
import { extractSelectors } from '../promql/index.js';

/** `/api/v1/query_exemplars`: exemplars of the series the expression's selectors select, in [start, end]. */
export async function queryExemplars(ctx: HandlerContext): Promise<ApiResult> {
  const p = ctx.params;
  const start = timeParam(p, 'start', MIN_TIME_MS);
  const end = timeParam(p, 'end', MAX_TIME_MS);
  if (end < start) throw badData('end timestamp must not be before start timestamp');
  let selectors: Matcher[][];
  try {
    selectors = extractSelectors(p.get('query'));
  } catch (e) {
    throw badData((e as Error).message);
  }
  if (selectors.length === 0) return { data: null };
  const src = ctx.deps.exemplars;
  if (!src) return { data: '[]' };
  let found;
  try {
    found = await src.exemplars(selectors, start, end);
  } catch (e) {
    throw new ApiError('execution', (e as Error).message);
  }
  const parts = found.map(
    (r) =>
      `{"seriesLabels":${labelsJson(r.seriesLabels)},"exemplars":[${r.exemplars
        .map((x) => `{"labels":${labelsJson(x.labels)},"value":"${formatSampleValue(x.value)}","timestamp":${formatTimestamp(Number.isNaN(x.ts) ? 0 : x.ts)}}`)
        .join(',')}]}`,
  );
  return { data: `[${parts.join(',')}]` };
}
