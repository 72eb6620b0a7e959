import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeV1, type PbSeriesV1 } from './helpers/remote-write-protos.js';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

/**
 * A query worker's heap limit in a real process (`metrics.query.worker_heap_limit: 48MB`): a query that needs more
 * answers 422 `execution`, the worker is replaced, the process keeps serving, and the next query is answered.
 */
const RW_HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('PromQL worker heap limit in the process', () => {
  const dir = tempDir();
  let s: SpawnedSightline;
  let base: string;
  const now = Date.now() - 60_000;
  const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
  const query = (expr: string) => fetch(`${base}/api/v1/query`, { method: 'POST', headers: FORM, body: new URLSearchParams({ query: expr, time: String(now / 1000) }) });

  beforeAll(async () => {
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics: { listen_address: 127.0.0.1:0, scrape_self: false, query: { workers: 1, worker_heap_limit: 48MB } }\n');
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    base = `http://127.0.0.1:${(await startedPorts(s, 60_000)).prometheus}`;
    const ts: PbSeriesV1[] = [];
    for (let i = 0; i < 2000; i++) ts.push({ labels: [{ name: '__name__', value: 'wide' }, { name: 'i', value: String(i) }], samples: [{ value: i, timestamp: now }] });
    expect((await fetch(`${base}/api/v1/write`, { method: 'POST', headers: RW_HEADERS, body: compressSync(encodeV1(ts)) })).status).toBe(204);
  }, 90_000);

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
  });

  it('a query past the limit answers 422, the worker is replaced, the process lives and answers the next query', async () => {
    const count = async () => ((await (await query('count(wide)')).json()) as { data: { result: { value: [number, string] }[] } }).data.result[0].value[1];
    expect(await count()).toBe('2000');
    const exits = await gauge('sightline_promql_worker_exits_total');
    // ~24 KB of label on each of 2,000 series: ~100 MB of strings in the worker's heap.
    const r = await query(`label_join(wide, "big", "-"${', "i"'.repeat(6000)})`);
    expect(r.status).toBe(422);
    const body = (await r.json()) as { status: string; errorType: string; error: string };
    expect(body).toMatchObject({ status: 'error', errorType: 'execution' });
    expect(body.error).toContain('heap limit 48 MiB');
    expect(await gauge('sightline_promql_worker_exits_total')).toBe(exits + 1);
    // The process is alive and serves everything; the next query runs on a new worker.
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    const body2 = compressSync(encodeV1([{ labels: [{ name: '__name__', value: 'after' }], samples: [{ value: 1, timestamp: Date.now() }] }]));
    expect((await fetch(`${base}/api/v1/write`, { method: 'POST', headers: RW_HEADERS, body: body2 })).status).toBe(204);
    expect(await count()).toBe('2000');
    expect(await gauge('sightline_promql_workers')).toBe(1);
    expect(s.child.exitCode).toBe(null);
  }, 60_000);
});
