import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_TRACEQL, pushTraces, seedHeavyTraces, tracesJson } from './helpers/traceql-load.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * Tempo API TraceQL searches run in the TraceQL worker pool of a real process (`--target traces`,
 * `traces.query.max_concurrent: 1`): an OTLP push and `/ready` are answered while a search of seconds runs, a second
 * search waits for the slot, and a client that disconnects stops its search in the worker so the next runs.
 */

describe('TraceQL query pool in the process', () => {
  const dir = tempDir();
  let s: SpawnedSightline;
  let tempo: string;
  let otlp: string;
  const nowMs = Date.now();
  const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${tempo}/metrics`)).text())?.[1] ?? NaN);
  const searchUrl = (q: string) => `${tempo}/api/search?q=${encodeURIComponent(q)}&start=${Math.floor(nowMs / 1000) - 3600}&end=${Math.floor(nowMs / 1000) + 3600}`;

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        'traces: { listen_address: 127.0.0.1:0, zipkin: { listen_address: 127.0.0.1:0 }, jaeger: { listen_address: 127.0.0.1:0 }, query: { workers: 1, max_concurrent: 1, timeout: 5m },',
        '  limits: { ingestion_rate_limit_bytes: 1GB, ingestion_burst_size_bytes: 1GB } }',
        'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
        '',
      ].join('\n'),
    );
    s = spawnSightline(['--target', 'traces', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    const ports = await startedPorts(s, 60_000);
    tempo = `http://127.0.0.1:${ports.tempo}`;
    otlp = `http://127.0.0.1:${ports.otlp_http}`;
    await seedHeavyTraces(otlp, nowMs, Number(process.env.TRACEQL_LOAD_TRACES ?? 50_000));
  }, 120_000);

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
  });

  it('answers push and /ready during a long search, queues the next, and a disconnecting client stops its work', async () => {
    expect(await gauge('sightline_traceql_queries_concurrent_max')).toBe(1);
    const first = new AbortController();
    let firstSettled = false;
    const heavy = fetch(searchUrl(HEAVY_TRACEQL), { signal: first.signal }).then(
      () => (firstSettled = true),
      () => (firstSettled = true),
    );
    await waitFor(async () => (await gauge('sightline_traceql_worker_queries')) === 1, 20_000, 'the heavy search to run in the worker');
    // Ingest and the readiness probe are answered while the search runs.
    expect(await pushTraces(otlp, tracesJson('during', [999_999], 2, Date.now()))).toBe(200);
    expect((await fetch(`${tempo}/ready`)).status).toBe(200);
    // The next search waits for the slot (max_concurrent 1).
    const second = fetch(searchUrl('{ resource.service.name = "during" }')).then(async (r) => ({ status: r.status, json: (await r.json()) as { traces: { traceID: string }[] } }));
    await waitFor(async () => (await gauge('sightline_traceql_queries')) === 2, 20_000, 'the second search to queue');
    expect(firstSettled).toBe(false);
    // The first client goes away: its search stops in the worker and the queued one runs.
    first.abort();
    await heavy;
    const r = await second;
    expect(r.status).toBe(200);
    expect(r.json.traces.map((t) => t.traceID)).toEqual([(999_999 + 1).toString(16).padStart(32, '0')]);
    // The heavy search's work stopped: its worker reported it canceled (at its next trace) or, when it did not get
    // there within the grace time on a loaded machine, the worker was ended; it never completed.
    const stopped = async () => (await gauge('sightline_traceql_worker_queries_total\\{outcome="canceled"\\}')) === 1 || (await gauge('sightline_traceql_worker_exits_total')) === 1;
    await waitFor(stopped, 20_000, 'the heavy search to stop');
    await waitFor(async () => (await gauge('sightline_traceql_worker_queries')) === 0, 20_000, 'no search left in a worker');
    expect(await gauge('sightline_traceql_worker_queries_total\\{outcome="ok"\\}')).toBe(1);
  }, 90_000);
});
