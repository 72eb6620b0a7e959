import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import { redactSecretsYaml } from '../../config/index.js';
import { METRIC_NAME, Matcher, compareStrings } from '../../model/index.js';
import { ApiError, badData } from './api-error.js';
import type { RuntimeInfo, TsdbStat, TsdbStatus } from './deps.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { jsonString, valueJson } from './json-encoding.js';
import { MAX_TIME_MS, MIN_TIME_MS, numberParam } from './params.js';
import { formatRfc3339 } from './time-format.js';

export async function buildInfo(ctx: HandlerContext): Promise<ApiResult> {
  const b = ctx.deps.buildInfo;
  return {
    data: valueJson({ version: b.version, revision: b.revision, branch: b.branch, buildUser: b.buildUser, buildDate: b.buildDate, goVersion: b.goVersion }),
  };
}

export async function config(ctx: HandlerContext): Promise<ApiResult> {
  // Secrets as Prometheus shows them: `<secret>`, never the value.
  return { data: `{"yaml":${jsonString(redactSecretsYaml(ctx.deps.configYaml()))}}` };
}

export async function flags(ctx: HandlerContext): Promise<ApiResult> {
  const f = ctx.deps.flags();
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(f).sort(compareStrings)) sorted[k] = f[k];
  return { data: valueJson(sorted) };
}

const PROCESS_START = Date.now() - process.uptime() * 1000;

/** What this process can say about itself when the role gives no runtime information. */
function processRuntimeInfo(now: number): RuntimeInfo {
  return {
    startTime: formatRfc3339(PROCESS_START),
    CWD: process.cwd(),
    hostname: hostname(),
    serverTime: formatRfc3339(now),
    reloadConfigSuccess: true,
    lastConfigTime: formatRfc3339(PROCESS_START),
    corruptionCount: 0,
    goroutineCount: 0,
    GOMAXPROCS: availableParallelism(),
    GOMEMLIMIT: 0,
    GOGC: '',
    GODEBUG: '',
    storageRetention: '',
  };
}

export async function runtimeInfo(ctx: HandlerContext): Promise<ApiResult> {
  const r = ctx.deps.runtimeInfo ? ctx.deps.runtimeInfo() : processRuntimeInfo(ctx.now());
  const ordered: RuntimeInfo = {
    startTime: r.startTime,
    CWD: r.CWD,
    hostname: r.hostname,
    serverTime: r.serverTime,
    reloadConfigSuccess: r.reloadConfigSuccess,
    lastConfigTime: r.lastConfigTime,
    corruptionCount: r.corruptionCount,
    goroutineCount: r.goroutineCount,
    GOMAXPROCS: r.GOMAXPROCS,
    GOMEMLIMIT: r.GOMEMLIMIT,
    GOGC: r.GOGC,
    GODEBUG: r.GODEBUG,
    storageRetention: r.storageRetention,
  };
  return { data: valueJson(ordered) };
}

const MAX_TSDB_LIMIT = 10000;

export async function tsdbStatus(ctx: HandlerContext): Promise<ApiResult> {
  let limit = 10;
  const s = ctx.params.get('limit');
  if (s !== '') {
    const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
    if (!(n >= 1)) throw badData('limit must be a positive number');
    if (n > MAX_TSDB_LIMIT) throw badData(`limit must not exceed ${MAX_TSDB_LIMIT}`);
    limit = n;
  }
  let st: TsdbStatus;
  try {
    st = ctx.deps.tsdbStatus ? await ctx.deps.tsdbStatus(limit) : await statusFromQueryable(ctx, limit);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('internal', (e as Error).message);
  }
  const h = st.headStats;
  const stats = (list: TsdbStat[]) => valueJson(list.map((x) => ({ name: x.name, value: x.value })));
  return {
    data:
      `{"headStats":${valueJson({ numSeries: h.numSeries, numLabelPairs: h.numLabelPairs, chunkCount: h.chunkCount, minTime: h.minTime, maxTime: h.maxTime })},` +
      `"seriesCountByMetricName":${stats(st.seriesCountByMetricName)},"labelValueCountByLabelName":${stats(st.labelValueCountByLabelName)},` +
      `"memoryInBytesByLabelName":${stats(st.memoryInBytesByLabelName)},"seriesCountByLabelValuePair":${stats(st.seriesCountByLabelValuePair)}}`,
  };
}

/**
 * Cardinality statistics computed from the series index when the role has no TSDB statistics of its own (the
 * storage's time bounds are not known here: minTime/maxTime are 0).
 */
async function statusFromQueryable(ctx: HandlerContext, limit: number): Promise<TsdbStatus> {
  const q = await ctx.deps.queryable.querier(MIN_TIME_MS, MAX_TIME_MS);
  try {
    const all = await q.select([new Matcher('=~', METRIC_NAME, '.+')], { start: MIN_TIME_MS, end: MAX_TIME_MS, func: 'series' }, false);
    const byMetric = new Map<string, number>();
    const byPair = new Map<string, number>();
    const valuesByName = new Map<string, Set<string>>();
    for (const s of all) {
      const name = s.labels.get(METRIC_NAME);
      byMetric.set(name, (byMetric.get(name) ?? 0) + 1);
      s.labels.forEach((n, v) => {
        const pair = `${n}=${v}`;
        byPair.set(pair, (byPair.get(pair) ?? 0) + 1);
        let set = valuesByName.get(n);
        if (!set) valuesByName.set(n, (set = new Set()));
        set.add(v);
      });
    }
    const top = (m: Map<string, number>): TsdbStat[] =>
      [...m.entries()]
        .map(([name, value]) => ({ name, value }))
        .sort((a, b) => b.value - a.value || compareStrings(a.name, b.name))
        .slice(0, limit);
    const counts = new Map<string, number>();
    const bytes = new Map<string, number>();
    for (const [n, set] of valuesByName) {
      counts.set(n, set.size);
      let b = 0;
      for (const v of set) b += Buffer.byteLength(v);
      bytes.set(n, b);
    }
    return {
      headStats: { numSeries: all.length, numLabelPairs: byPair.size, chunkCount: 0, minTime: 0, maxTime: 0 },
      seriesCountByMetricName: top(byMetric),
      labelValueCountByLabelName: top(counts),
      memoryInBytesByLabelName: top(bytes),
      seriesCountByLabelValuePair: top(byPair),
    };
  } finally {
    q.close();
  }
}

export async function metadata(ctx: HandlerContext): Promise<ApiResult> {
  const limit = numberParam(ctx.params, 'limit');
  const limitPerMetric = numberParam(ctx.params, 'limit_per_metric');
  const metric = ctx.params.get('metric');
  const src = ctx.deps.metadata;
  if (!src) return { data: '{}' };
  const found = src.metadata(metric === '' ? undefined : metric);
  let out = '{';
  let count = 0;
  for (const [name, entries] of found) {
    if (limit >= 0 && count >= limit) break;
    const seen = new Set<string>();
    const list: string[] = [];
    for (const m of entries) {
      const key = `${m.type}\xff${m.help}\xff${m.unit}`;
      if (seen.has(key)) continue;
      if (limitPerMetric > 0 && list.length >= limitPerMetric) break;
      seen.add(key);
      list.push(`{"type":${jsonString(m.type)},"help":${jsonString(m.help)},"unit":${jsonString(m.unit)}}`);
    }
    if (count > 0) out += ',';
    out += `${jsonString(name)}:[${list.join(',')}]`;
    count++;
  }
  return { data: out + '}' };
}
