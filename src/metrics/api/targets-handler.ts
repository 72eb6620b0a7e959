import { formatDuration } from '../../config/index.js';
import { compareStrings } from '../../model/index.js';
import type { TargetStatus } from '../scrape/types.js';
import { invalidParam } from './api-error.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { numberParam } from './params.js';
import { parseMetricSelector } from '../promql/index.js';
import { matchLabels, type Matcher } from '../../model/index.js';
import { jsonString, labelsJson } from './json-encoding.js';
import { formatRfc3339 } from './time-format.js';

function byPool(targets: TargetStatus[]): Map<string, TargetStatus[]> {
  const m = new Map<string, TargetStatus[]>();
  for (const t of targets) {
    let list = m.get(t.scrapePool);
    if (!list) m.set(t.scrapePool, (list = []));
    list.push(t);
  }
  return new Map([...m.entries()].sort((a, b) => compareStrings(a[0], b[0])));
}

function activeJson(t: TargetStatus): string {
  return (
    `{"discoveredLabels":${labelsJson(t.discoveredLabels)},"labels":${labelsJson(t.labels)},"scrapePool":${jsonString(t.scrapePool)},` +
    `"scrapeUrl":${jsonString(t.scrapeUrl)},"globalUrl":${jsonString(t.globalUrl)},"lastError":${jsonString(t.lastError)},` +
    `"lastScrape":${jsonString(formatRfc3339(t.lastScrape))},"lastScrapeDuration":${t.lastScrapeDurationSeconds},"health":${jsonString(t.health)},` +
    `"scrapeInterval":${jsonString(formatDuration(t.scrapeIntervalMs))},"scrapeTimeout":${jsonString(formatDuration(t.scrapeTimeoutMs))}}`
  );
}

/** `/api/v1/targets`: `state` (active, dropped, any) and `scrapePool` filters, as Prometheus 3 answers. */
export async function targets(ctx: HandlerContext): Promise<ApiResult> {
  const pool = ctx.params.urlGet('scrapePool');
  const state = ctx.params.urlGet('state').toLowerCase();
  const showActive = state === '' || state === 'any' || state === 'active';
  const showDropped = state === '' || state === 'any' || state === 'dropped';
  const src = ctx.deps.targets;
  const parts: string[] = [];
  for (const [p, list] of byPool(showActive && src ? src.activeTargets() : [])) {
    if (pool !== '' && p !== pool) continue;
    for (const t of list) parts.push(activeJson(t));
  }
  let out = `{"activeTargets":[${parts.join(',')}],"droppedTargets":[`;
  if (showDropped) {
    const dropped = src ? src.droppedTargets() : [];
    const counts: string[] = [];
    const items: string[] = [];
    for (const [p, list] of byPool(dropped)) {
      counts.push(`${jsonString(p)}:${list.length}`);
      if (pool !== '' && p !== pool) continue;
      for (const t of list) items.push(`{"discoveredLabels":${labelsJson(t.discoveredLabels)},"scrapePool":${jsonString(p)}}`);
    }
    out += `${items.join(',')}],"droppedTargetCounts":{${counts.join(',')}}}`;
  } else {
    out += '],"droppedTargetCounts":null}';
  }
  return { data: out };
}

/** `/api/v1/targets/metadata`: `match_target` (a selector over target labels), `metric`, `limit`. */
export async function targetMetadata(ctx: HandlerContext): Promise<ApiResult> {
  const limit = numberParam(ctx.params, 'limit');
  const matchTarget = ctx.params.get('match_target');
  let matchers: Matcher[] = [];
  if (matchTarget !== '') {
    try {
      matchers = parseMetricSelector(matchTarget);
    } catch (e) {
      throw invalidParam('match_target', (e as Error).message);
    }
  }
  const metric = ctx.params.get('metric');
  const out: string[] = [];
  for (const m of ctx.deps.targetMetadata ? ctx.deps.targetMetadata() : []) {
    if (limit >= 0 && out.length >= limit) break;
    if (!matchLabels(matchers, (n) => m.target.get(n))) continue;
    if (metric !== '' && m.metric !== metric) continue;
    // With `metric`, Prometheus leaves the family name out (omitempty).
    const family = metric === '' ? `,"metric":${jsonString(m.metric)}` : '';
    out.push(`{"target":${labelsJson(m.target)}${family},"type":${jsonString(m.type)},"help":${jsonString(m.help)},"unit":${jsonString(m.unit)}}`);
  }
  return { data: `[${out.join(',')}]` };
}
