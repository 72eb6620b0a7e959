import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_LOGQL, pushLines, seedHeavyLogs } from './helpers/logql-load.js';
import { metricValue, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * Loki API queries run in the LogQL worker pool of a real process (`--target logs`, `logs.query.max_concurrent: 1`):
 * a push and `/ready` are answered while a query of seconds (logfmt, line_format and a regex over every line) runs,
 * a second query waits for the slot, and a client that disconnects stops its query in the worker so the next runs.
 */

describe('LogQL query pool in the process', () => {
  const dir = tempDir();
  let s: SpawnedSightline;
  let base: string;
  const nowMs = Date.now();
  const gauge = (name: string) => metricValue(base, name);
  const queryUrl = (q: string) => `${base}/loki/api/v1/query_range?query=${encodeURIComponent(q)}&start=${(nowMs - 3_600_000) * 1e6}&end=${(nowMs + 60_000) * 1e6}&step=60s`;

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'sightline.yaml'),
      'logs: { listen_address: 127.0.0.1:0, query: { workers: 1, max_concurrent: 1 }, limits: { ingestion_rate_mb: 1000, ingestion_burst_size_mb: 1000 } }\n',
    );
    s = spawnSightline(['--target', 'logs', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    base = `http://127.0.0.1:${(await startedPorts(s, 60_000)).loki}`;
    await seedHeavyLogs(base, nowMs, 120_000);
  }, 120_000);

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
  });

  it('answers push and /ready during a long query, queues the next, and a disconnecting client stops its work', async () => {
    expect(await gauge('sightline_logql_queries_concurrent_max')).toBe(1);
    const first = new AbortController();
    let firstSettled = false;
    const heavy = fetch(queryUrl(HEAVY_LOGQL), { signal: first.signal }).then(
      () => (firstSettled = true),
      () => (firstSettled = true),
    );
    await waitFor(async () => (await gauge('sightline_logql_worker_queries')) === 1, 20_000, 'the heavy query to run in the worker');
    // Ingest and the readiness probe are answered while the query runs.
    expect(await pushLines(base, 'during', [[Date.now(), 'pushed during the query']])).toBe(204);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    // The next query waits for the slot (max_concurrent 1).
    const second = fetch(queryUrl('{app="during"}')).then(async (r) => ({ status: r.status, json: (await r.json()) as { data: { result: { values: [string, string][] }[] } } }));
    await waitFor(async () => (await gauge('sightline_logql_queries')) === 2, 20_000, 'the second query to queue');
    expect(firstSettled).toBe(false);
    // The first client goes away: its query stops in the worker and the queued one runs.
    first.abort();
    await heavy;
    const r = await second;
    expect(r.status).toBe(200);
    expect(r.json.data.result.flatMap((x) => x.values.map((v) => v[1]))).toEqual(['pushed during the query']);
    // The heavy query's work stopped: its worker reported it canceled (at its next batch) or, when it did not get
    // there within the grace time on a loaded machine, the worker was ended; it never completed.
    const stopped = async () => (await gauge('sightline_logql_worker_queries_total\\{outcome="canceled"\\}')) === 1 || (await gauge('sightline_logql_worker_exits_total')) === 1;
    await waitFor(stopped, 20_000, 'the heavy query to stop');
    await waitFor(async () => (await gauge('sightline_logql_worker_queries')) === 0, 20_000, 'no query left in a worker');
    expect(await gauge('sightline_logql_worker_queries_total\\{outcome="ok"\\}')).toBe(1);
  }, 90_000);
});
