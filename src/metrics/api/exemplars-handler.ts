import { parser } from '@prometheus-io/lezer-promql';
import type { Matcher } from '../../model/index.js';
import { ApiError, badData } from './api-error.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { formatSampleValue, formatTimestamp } from './float-format.js';
import { labelsJson } from './json-encoding.js';
import { MAX_TIME_MS, MIN_TIME_MS, timeParam } from './params.js';
import { parseMetricSelector, SelectorParseError } from './selector-parser.js';

function lineCol(input: string, pos: number): string {
  const before = input.slice(0, pos);
  const line = before.split('\n').length;
  return `${line}:${pos - (before.lastIndexOf('\n') + 1) + 1}`;
}

/**
 * Prometheus's `parser.ExtractSelectors`: the matchers of every vector selector in an expression. The expression
 * is parsed with `@prometheus-io/lezer-promql` (the grammar of Prometheus's UI); each selector's text goes through
 * the API's selector parser.
 */
export function extractSelectors(expr: string, parse: (s: string) => Matcher[] = parseMetricSelector): Matcher[][] {
  if (expr.trim() === '') throw new SelectorParseError(0, 'no expression found in input', expr);
  const tree = parser.parse(expr);
  const out: Matcher[][] = [];
  let errorAt = -1;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && errorAt < 0) errorAt = node.from;
      if (node.name === 'VectorSelector') {
        out.push(parse(expr.slice(node.from, node.to)));
        return false;
      }
      return undefined;
    },
  });
  if (errorAt >= 0) {
    const near = expr.slice(errorAt, errorAt + 1);
    throw new Error(`${lineCol(expr, errorAt)}: parse error: ${near === '' ? 'unexpected end of input' : `unexpected character: ${JSON.stringify(near)}`}`);
  }
  return out;
}

/** `/api/v1/query_exemplars`: exemplars of the series the expression's selectors select, in [start, end]. */
export async function queryExemplars(ctx: HandlerContext): Promise<ApiResult> {
  const p = ctx.params;
  const start = timeParam(p, 'start', MIN_TIME_MS);
  const end = timeParam(p, 'end', MAX_TIME_MS);
  if (end < start) throw badData('end timestamp must not be before start timestamp');
  let selectors: Matcher[][];
  try {
    selectors = extractSelectors(p.get('query'), ctx.deps.parseMetricSelector);
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
