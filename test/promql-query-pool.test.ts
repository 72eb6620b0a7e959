import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeV1, type PbSeriesV1 } from './helpers/remote-write-protos.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * API queries run in the PromQL worker pool of a real process (`--target metrics`, `--query.max-concurrency 1`):
 * ingest is answered while a query of seconds runs, a second query waits in the queue (Prometheus's engine gauges
 * show it), a client that disconnects stops its query so the next one runs, and the `timeout` parameter stops one.
 */
const HEAVY = 'quantile_over_time(0.5, heavy[1h:15s])';
const RW_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };

describe('PromQL query pool in the process', () => {
  const dir = tempDir();
  let s: SpawnedSightline;
  let base: string;
  const now = Date.now() - 60_000;
  const rangeUrl = (expr: string, extra = '') => `${base}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${(now - 3_600_000) / 1000}&end=${now / 1000}&step=15${extra}`;
  const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1]);

  beforeAll(async () => {
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics: { listen_address: 127.0.0.1:0, scrape_self: false, query: { workers: 1 } }\n');
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--query.max-concurrency', '1']);
    base = `http://127.0.0.1:${(await startedPorts(s, 60_000)).prometheus}`;
    for (let first = 0; first < 2000; first += 200) {
      const ts: PbSeriesV1[] = [];
      for (let i = first; i < first + 200; i++) {
        const samples = [];
        for (let t = now - 3_600_000; t <= now; t += 15_000) samples.push({ value: (t / 1000) * (i % 7), timestamp: t });
        ts.push({ labels: [{ name: '__name__', value: 'heavy' }, { name: 'i', value: String(i) }], samples });
      }
      const r = await fetch(`${base}/api/v1/write`, { method: 'POST', headers: RW_HEADERS, body: compressSync(encodeV1(ts)) });
      expect(r.status).toBe(204);
    }
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
  });

  it('answers ingest during a long query, queues the next, and a disconnecting client frees the slot', async () => {
    expect(await gauge('prometheus_engine_queries_concurrent_max')).toBe(1);
    const first = new AbortController();
    let firstSettled = false;
    const heavy = fetch(rangeUrl(HEAVY), { signal: first.signal }).then(
      () => (firstSettled = true),
      () => (firstSettled = true),
    );
    await waitFor(async () => (await gauge('prometheus_engine_queries')) === 1, 20_000, 'the heavy query to run');
    // Ingest is answered while the query runs.
    const body = compressSync(encodeV1([{ labels: [{ name: '__name__', value: 'during' }], samples: [{ value: 7, timestamp: Date.now() }] }]));
    expect((await fetch(`${base}/api/v1/write`, { method: 'POST', headers: RW_HEADERS, body })).status).toBe(204);
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    // The next query waits in the queue (max concurrency 1).
    const second = fetch(`${base}/api/v1/query?query=during`).then(async (r) => ({ status: r.status, json: (await r.json()) as { data: { result: { value: [number, string] }[] } } }));
    await waitFor(async () => (await gauge('prometheus_engine_queries')) === 2, 20_000, 'the second query to queue');
    expect(firstSettled).toBe(false);
    // The first client goes away: its query stops and the queued one runs.
    first.abort();
    await heavy;
    const r = await second;
    expect(r.status).toBe(200);
    // The heavy query's work stopped: its worker reported it canceled (at its next yield) or, when it did not get
    // there within the grace time on a loaded machine, the worker was ended; it never completed.
    const stopped = async () => (await gauge('sightline_promql_worker_queries_total\\{outcome="canceled"\\}')) === 1 || (await gauge('sightline_promql_worker_exits_total')) === 1;
    await waitFor(stopped, 20_000, 'the heavy query to stop');
    await waitFor(async () => (await gauge('sightline_promql_worker_queries')) === 0, 20_000, 'no query left in a worker');
    expect(await gauge('sightline_promql_worker_queries_total\\{outcome="ok"\\}')).toBe(1);
    await waitFor(async () => (await gauge('prometheus_engine_queries')) === 0, 20_000, 'no query left');
  }, 60_000);

  it('stops a query at its timeout parameter with Prometheus\'s error', async () => {
    const exits = await gauge('sightline_promql_worker_exits_total');
    const r = await fetch(rangeUrl(HEAVY, '&timeout=500ms'));
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    const stopped = async () => (await gauge('sightline_promql_worker_queries_total\\{outcome="timeout"\\}')) === 1 || (await gauge('sightline_promql_worker_exits_total')) > exits;
    await waitFor(stopped, 20_000, 'the worker to stop the query');
    // The worker is free again: a simple query answers.
    const ok = await fetch(`${base}/api/v1/query?query=count(heavy)&time=${now / 1000}`);
    expect(((await ok.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0].value[1]).toBe('2000');
  }, 60_000);
});
