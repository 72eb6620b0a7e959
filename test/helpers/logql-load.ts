import { sampleValue } from './process.js';

/**
 * A LogQL load shared by the LogQL pool's process test and the robustness bench: logfmt lines of one stream, and a
 * query that parses, reformats and regex-matches every one of them (seconds of CPU over 120,000 lines).
 */
export const HEAVY_LOGQL = 'sum by (user) (count_over_time({app="heavy"} | logfmt | line_format "{{.msg}} {{.path}} {{.msg}} {{.path}}" |~ "(\\\\w+\\\\s?)+items/\\\\d*9( |$)" [1h]))';

/** Push entries of `{app}` to a Loki API at `base` (as `tenant` when given); the response status. */
export async function pushLines(base: string, app: string, lines: [ms: number, line: string][], tenant?: string): Promise<number> {
  const r = await fetch(`${base}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(tenant ? { 'x-scope-orgid': tenant } : {}) },
    body: JSON.stringify({ streams: [{ stream: { app }, values: lines.map(([t, l]) => [String(BigInt(t) * 1_000_000n), l]) }] }),
  });
  await r.arrayBuffer();
  return r.status;
}

/** `count` logfmt lines of `{app="heavy"}` in the 50 minutes before `nowMs`, pushed 10,000 at a time (as `tenant`). */
export async function seedHeavyLogs(base: string, nowMs: number, count: number, tenant?: string): Promise<void> {
  for (let first = 0; first < count; first += 10_000) {
    const lines: [number, string][] = [];
    for (let i = first; i < Math.min(count, first + 10_000); i++) {
      lines.push([nowMs - 3_000_000 + Math.floor(i / 100), `level=info msg="request number ${i} handled fine" user=u${i % 50} duration=${i % 1000}ms path=/api/v1/items/${i}`]);
    }
    const status = await pushLines(base, 'heavy', lines, tenant);
    if (status !== 204) throw new Error(`seeding the heavy logs: ${status}`);
  }
}

/** Queries a LogQL query worker answered, from a registry's exposition (NaN without a pool: workers 0). */
export function pooledQueries(metrics: string): number {
  return sampleValue(metrics, 'sightline_logql_worker_queries_total\\{outcome="ok"\\}');
}

/** The Loki ruler's tests run in both modes: rule queries on the main thread (workers 0) and in a query worker. */
export const RULER_MODES = [{ workers: 0 }, { workers: 1 }];
