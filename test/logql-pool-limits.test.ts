import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_LOGQL, pushLines, seedHeavyLogs } from './helpers/logql-load.js';
import { metricValue, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * The LogQL pool's limits in a real process (`--target logs`, one query worker, `max_concurrent: 1`,
 * `worker_heap_limit: 48MB`, tenant `quick` with a `query_timeout` of 1 s): a query whose evaluation needs more heap
 * than a worker may hold answers 400 and its worker is replaced while the process keeps serving; a query that waits
 * for the slot past its tenant's timeout answers Loki's timeout (504) at its deadline, not when the slot frees.
 */
const HEAVY = 'heavy';
const QUICK = 'quick';
const TIMEOUT_MESSAGE = 'request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed\n';

describe('LogQL query pool limits in the process', () => {
  const dir = tempDir();
  let s: SpawnedSightline;
  let base: string;
  const nowMs = Date.now();
  const gauge = (name: string) => metricValue(base, name);
  const query = (tenant: string, q: string, init: RequestInit = {}) =>
    fetch(`${base}/loki/api/v1/query_range?query=${encodeURIComponent(q)}&start=${(nowMs - 3_600_000) * 1e6}&end=${(nowMs + 60_000) * 1e6}&step=60s&limit=5000`, { ...init, headers: { 'x-scope-orgid': tenant } });
  const lines = async (r: Response) => ((await r.json()) as { data: { result: { values: [string, string][] }[] } }).data.result.flatMap((x) => x.values.map((v) => v[1]));

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        'logs:',
        '  listen_address: 127.0.0.1:0',
        '  auth_enabled: true',
        '  query: { workers: 1, max_concurrent: 1, worker_heap_limit: 48MB }',
        '  limits: { ingestion_rate_mb: 1000, ingestion_burst_size_mb: 1000 }',
        `  overrides: { ${QUICK}: { query_timeout: 1s } }`,
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--target', 'logs', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    base = `http://127.0.0.1:${(await startedPorts(s, 60_000)).loki}`;
    await seedHeavyLogs(base, nowMs, 120_000, HEAVY);
    expect(await pushLines(base, 'q', [[nowMs - 1000, 'a quick line']], QUICK)).toBe(204);
  }, 120_000);

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
  });

  it('a query past the worker heap limit answers 400, the worker is replaced, the process lives and answers the next query', async () => {
    const exits = await gauge('sightline_logql_worker_exits_total');
    // 5,000 lines of ~50 KB each (every line repeated 500 times, flattened by the line filter): ~250 MB of strings.
    const r = await query(HEAVY, '{app="heavy"} | line_format "{{ __line__ | repeat 500 }}" != "zzz"');
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('query processing would use more memory than a query worker may hold (heap limit 48 MiB); the worker was replaced\n');
    expect(await gauge('sightline_logql_worker_exits_total')).toBe(exits + 1);
    // The process is alive and serves everything; the next query runs on a new worker.
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect(await pushLines(base, 'after', [[Date.now(), 'pushed after the worker was replaced']], HEAVY)).toBe(204);
    const next = await query(HEAVY, '{app="heavy"} |= "items/119999"');
    expect(next.status).toBe(200);
    expect(await lines(next)).toEqual(['level=info msg="request number 119999 handled fine" user=u49 duration=999ms path=/api/v1/items/119999']);
    expect(await lines(await query(HEAVY, '{app="after"}'))).toEqual(['pushed after the worker was replaced']);
    expect(await gauge('sightline_logql_workers')).toBe(1);
    expect(s.child.exitCode).toBe(null);
  }, 60_000);

  it('a query waiting for the slot past its timeout answers 504 at its deadline and leaves the queue', async () => {
    const first = new AbortController();
    let firstSettled = false;
    const heavy = query(HEAVY, HEAVY_LOGQL, { signal: first.signal }).then(
      () => (firstSettled = true),
      () => (firstSettled = true),
    );
    await waitFor(async () => (await gauge('sightline_logql_worker_queries')) === 1, 20_000, 'the heavy query to run in the worker');
    // Tenant quick's query waits for the slot (max_concurrent 1) and times out there after its 1 s.
    const waited = await query(QUICK, '{app="q"}');
    expect(waited.status).toBe(504);
    expect(await waited.text()).toBe(TIMEOUT_MESSAGE);
    // The heavy query (seconds of work, tenant heavy's default 60 s timeout) still holds the slot; the timed-out
    // query is no longer queued.
    expect(firstSettled).toBe(false);
    expect(await gauge('sightline_logql_queries')).toBe(1);
    // Once the slot is free, the same query answers.
    first.abort();
    await heavy;
    await waitFor(async () => (await gauge('sightline_logql_queries')) === 0, 20_000, 'the slot to be free');
    const r = await query(QUICK, '{app="q"}');
    expect(r.status).toBe(200);
    expect(await lines(r)).toEqual(['a quick line']);
  }, 60_000);
});
