import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { S3ObjectStore } from '../src/storage/index.js';
import { encodeV1, type PbSeriesV1 } from './helpers/remote-write-protos.js';
import { tempDir } from './helpers/process.js';

// The Mimir role end to end: remote write 1.0 in at /api/v1/push for several tenants, blocks shipped to an
// S3-compatible server (s3rver on loopback, through the AWS SDK), queried back under /prometheus/api/v1.

const HOUR = 3600_000;
const STEP = 60_000;
const NOW = Date.now();
const T0 = Math.floor(NOW / HOUR) * HOUR - 10 * HOUR;
const N = (10 * HOUR) / STEP; // samples per series, T0 .. T0+10h-1m

let s3: S3rver;
let endpoint = '';
let mimir: MimirComponent;
let base = '';
let dataDir = '';
let config: ReturnType<typeof sightlineConfigSchema.parse>;
const bucket = () => new S3ObjectStore({ endpoint, bucket: 'mimir', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' });

const value = (series: number, i: number, tenant: string) => (tenant === 'team-b' ? 1000 : 0) + series * 10 + i * 0.5;

function series(tenant: string, from: number, to: number): PbSeriesV1[] {
  return [0, 1].map((s) => ({
    labels: [
      { name: '__name__', value: 'longterm_metric' },
      { name: 'series', value: String(s) },
    ],
    samples: Array.from({ length: to - from }, (_, k) => ({ timestamp: T0 + (from + k) * STEP, value: value(s, from + k, tenant) })),
  }));
}

async function push(tenant: string | undefined, ts: PbSeriesV1[]) {
  const res = await fetch(`${base}/api/v1/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', ...(tenant ? { 'X-Scope-OrgID': tenant } : {}) },
    body: compressSnappyBody(encodeV1(ts)),
  });
  return { status: res.status, text: await res.text() };
}

interface MatrixResult {
  metric: Record<string, string>;
  values: [number, string][];
}

async function api(tenant: string | undefined, path: string, params: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]));
  const res = await fetch(`${base}/prometheus/api/v1/${path}?${qs}`, { headers: tenant ? { 'X-Scope-OrgID': tenant } : {} });
  return { status: res.status, body: (await res.json()) as { status: string; error?: string; data: { resultType: string; result: unknown[] } } };
}

async function queryRange(tenant: string, from: number, to: number): Promise<MatrixResult[]> {
  const r = await api(tenant, 'query_range', { query: 'longterm_metric', start: (T0 + from * STEP) / 1000, end: (T0 + to * STEP) / 1000, step: STEP / 1000 });
  expect(r.status).toBe(200);
  return (r.body.data.result as MatrixResult[]).sort((a, b) => a.metric.series.localeCompare(b.metric.series));
}

function expectValues(res: MatrixResult[], tenant: string, from: number, to: number) {
  expect(res.map((r) => r.metric.series)).toEqual(['0', '1']);
  for (const r of res) {
    const s = Number(r.metric.series);
    expect(r.values.length).toBe(to - from + 1);
    r.values.forEach(([t, v], k) => {
      expect(t * 1000).toBe(T0 + (from + k) * STEP);
      expect(Number(v)).toBe(value(s, from + k, tenant));
    });
  }
}

async function bucketMetas(tenant: string) {
  const b = bucket();
  try {
    const keys = (await b.list(`${tenant}/`)).filter((k) => k.endsWith('/meta.json'));
    return Promise.all(keys.map(async (k) => JSON.parse((await b.get(k)).toString()) as { ulid: string; minTime: number; maxTime: number; compaction: { level: number; parents?: { ulid: string }[] } }));
  } finally {
    b.close();
  }
}

function localBlocks(tenant: string): string[] {
  const dir = join(dataDir, 'mimir', 'tsdb', tenant);
  return existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)) : [];
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir('mimir-s3-'), configureBuckets: [{ name: 'mimir' }] });
  endpoint = `127.0.0.1:${(await s3.run()).port}`;
  dataDir = tempDir('mimir-data-');
  config = sightlineConfigSchema.parse({
    remote: { multitenancy_enabled: true, overrides: { limited: { ingestion_rate: 5, ingestion_burst_size: 5 } } },
    mimir: {
      listen_address: '127.0.0.1:0',
      block_duration: '1h',
      local_retention: '2h',
      bucket_sync_interval: '1s',
      storage: { backend: 's3', s3: { endpoint, bucket: 'mimir', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' } },
      compactor: { interval: '0s', block_ranges: ['1h', '3h', '9h'] },
      overrides: { shortlived: { compactor_blocks_retention_period: '6h' } },
    },
  });
  mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
  base = `http://127.0.0.1:${mimir.ports.mimir}`;
}, 30_000);

afterAll(async () => {
  await mimir?.stop();
  await s3?.close();
});

describe('Mimir role', () => {
  it('keeps tenants apart, needs an org id when multi-tenant, and counts ingested samples per tenant', async () => {
    const last = N - 1;
    expect((await push('team-a', series('team-a', last, N))).status).toBe(200);
    expect((await push('team-b', series('team-b', last, N))).status).toBe(200);
    const noOrg = await push(undefined, series('team-a', last, N));
    expect(noOrg.status).toBe(401);
    expect(noOrg.text).toContain('no org id');

    const at = (T0 + last * STEP) / 1000;
    for (const tenant of ['team-a', 'team-b']) {
      const r = await api(tenant, 'query', { query: 'longterm_metric', time: at });
      const got = (r.body.data.result as { metric: { series: string }; value: [number, string] }[]).map((x) => [x.metric.series, Number(x.value[1])]).sort();
      expect(got).toEqual([
        ['0', value(0, last, tenant)],
        ['1', value(1, last, tenant)],
      ]);
    }
    const empty = await api('team-c', 'query', { query: 'longterm_metric', time: at });
    expect(empty.body.data.result).toEqual([]);
    expect(existsSync(join(dataDir, 'mimir', 'tsdb', 'team-c'))).toBe(false); // a read creates no TSDB
    const unauth = await api(undefined, 'query', { query: 'longterm_metric', time: at });
    expect(unauth.status).toBe(401);
    expect(unauth.body.error).toContain('no org id');

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/cortex_ingester_ingested_samples_total\{user="team-a"\} 2\b/);
    expect(metrics).toMatch(/cortex_ingester_ingested_samples_total\{user="team-b"\} 2\b/);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it('refuses an over-limit tenant with 429 and leaves other tenants unaffected', async () => {
    const r = await push('limited', series('limited', N - 10, N));
    expect(r.status).toBe(429);
    expect(r.text).toContain('err-mimir-tenant-max-ingestion-rate');
    const other = await push('team-a', [{ labels: [{ name: '__name__', value: 'other_metric' }], samples: [{ timestamp: T0 + (N - 1) * STEP, value: 7 }] }]);
    expect(other.status).toBe(200);
    const q = await api('team-a', 'query', { query: 'other_metric', time: (T0 + (N - 1) * STEP) / 1000 });
    expect((q.body.data.result as { value: [number, string] }[])[0].value[1]).toBe('7');
    const limited = await api('limited', 'query', { query: 'longterm_metric', time: (T0 + (N - 1) * STEP) / 1000 });
    expect(limited.body.data.result).toEqual([]);
  });

  it('ships blocks to S3, deletes the local copy, answers the same from the bucket, and compacts there', async () => {
    expect((await push('longterm', series('longterm', 0, N))).status).toBe(200);
    // 10 h of 1 h blocks: the head is cut into 9 blocks, all uploaded before local retention (2 h) drops 7 of them.
    await until('9 uploaded blocks', async () => (await bucketMetas('longterm')).length === 9);
    await until('local retention', () => localBlocks('longterm').length === 2);
    const uploaded = await bucketMetas('longterm');
    const oldest = uploaded.sort((a, b) => a.minTime - b.minTime)[0];
    expect(oldest.minTime).toBe(T0);
    expect(localBlocks('longterm')).not.toContain(oldest.ulid);

    // Bucket only (first 5 h), then everything: bucket + local blocks + head, shipped-and-local blocks deduplicated.
    expectValues(await queryRange('longterm', 0, 5 * 60), 'longterm', 0, 5 * 60);
    expectValues(await queryRange('longterm', 0, N - 1), 'longterm', 0, N - 1);

    await mimir.compactNow();
    const after = await bucketMetas('longterm');
    expect(after.length).toBeLessThan(9);
    const merged = after.filter((m) => m.compaction.level >= 2);
    expect(merged.length).toBeGreaterThan(0);
    const present = new Set(after.map((m) => m.ulid));
    for (const m of merged) for (const p of m.compaction.parents ?? []) expect(present.has(p.ulid)).toBe(false);
    expectValues(await queryRange('longterm', 0, N - 1), 'longterm', 0, N - 1);
  }, 60_000);

  it('after a restart answers the same from the WAL, local blocks and the bucket, without re-shipping blocks', async () => {
    const before = (await bucketMetas('longterm')).map((m) => m.ulid).sort();
    await mimir.stop();
    mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
    base = `http://127.0.0.1:${mimir.ports.mimir}`;
    expectValues(await queryRange('longterm', 0, N - 1), 'longterm', 0, N - 1);
    await mimir.compactNow();
    expect((await bucketMetas('longterm')).map((m) => m.ulid).sort()).toEqual(before);
    expect((await api('team-b', 'query', { query: 'longterm_metric', time: (T0 + (N - 1) * STEP) / 1000 })).body.data.result).toHaveLength(2);
  }, 60_000);

  it('deletes bucket blocks past the tenant retention', async () => {
    expect((await push('shortlived', series('shortlived', 0, N))).status).toBe(200);
    await until('9 uploaded blocks', async () => (await bucketMetas('shortlived')).length === 9);
    await mimir.compactNow();
    const left = await bucketMetas('shortlived');
    expect(left.length).toBeGreaterThan(0);
    for (const m of left) expect(m.maxTime).toBeGreaterThanOrEqual(Date.now() - 6 * HOUR - 60_000);
    // The oldest hours are gone from bucket and local disk; the newest are still answered.
    const old = await api('shortlived', 'query', { query: 'longterm_metric', time: (T0 + 30 * STEP) / 1000 });
    expect(old.body.data.result).toEqual([]);
    const recent = await queryRange('shortlived', N - 60, N - 1);
    expectValues(recent, 'shortlived', N - 60, N - 1);
  }, 60_000);
});
