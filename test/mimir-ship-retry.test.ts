import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { S3ObjectStore } from '../src/storage/index.js';
import { freePort } from './helpers/prometheus-peer.js';
import { tempDir, waitFor } from './helpers/process.js';
import { encodeV1 } from './helpers/remote-write-protos.js';

// The object store is down while the TSDB cuts blocks: uploads fail, local retention keeps every unshipped block;
// when the store is back, the next pass ships them all, local retention then drops the old ones, and every sample
// is still answered.
describe('Mimir block shipping while the object store is down', () => {
  const HOUR = 3600_000;
  const STEP = 60_000;
  const T0 = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;
  const N = (10 * HOUR) / STEP;
  const s3dir = tempDir('mimir-retry-s3-');
  const dataDir = tempDir('mimir-retry-');
  let port = 0;
  let s3: S3rver | undefined;
  let mimir: MimirComponent | undefined;

  const startS3 = async () => {
    s3 = new S3rver({ address: '127.0.0.1', port, silent: true, directory: s3dir, configureBuckets: [{ name: 'mimir' }] });
    await s3.run();
  };
  const localBlocks = () => {
    const dir = join(dataDir, 'mimir', 'tsdb', 'anonymous');
    return existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length : 0;
  };

  afterAll(async () => {
    await mimir?.stop();
    await s3?.close();
  });

  it('keeps unshipped blocks locally and ships them when the store is back', async () => {
    port = await freePort();
    await startS3();
    const endpoint = `127.0.0.1:${port}`;
    const config = sightlineConfigSchema.parse({
      mimir: {
        listen_address: '127.0.0.1:0',
        block_duration: '1h',
        local_retention: '2h',
        storage: { backend: 's3', s3: { endpoint, bucket: 'mimir', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' } },
        compactor: { interval: '0s', block_ranges: ['1h'] },
      },
    });
    const registry = createSelfMetricsRegistry();
    mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry });
    const base = `http://127.0.0.1:${mimir.ports.mimir}`;
    await s3!.close();

    const body = encodeV1([{ labels: [{ name: '__name__', value: 'retry_metric' }], samples: Array.from({ length: N }, (_, i) => ({ timestamp: T0 + i * STEP, value: i })) }]);
    const res = await fetch(`${base}/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' }, body: compressSnappyBody(body) });
    expect(res.status).toBe(200);

    const failures = async () => (await registry.getSingleMetricAsString('cortex_ingester_shipper_upload_failures_total')).match(/user="anonymous"\} (\d+)/)?.[1];
    await waitFor(async () => ((await failures()) === '9' ? true : undefined), 60_000, '9 failed uploads');
    await mimir.tenants.get('anonymous').then((t) => t.tsdb.compactHead());
    expect(localBlocks()).toBe(9); // local retention (2h) would delete 7 of them, but none is shipped

    await startS3();
    await mimir.compactNow();
    const store = new S3ObjectStore({ endpoint, bucket: 'mimir', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' });
    expect((await store.list('anonymous/')).filter((k) => k.endsWith('/meta.json'))).toHaveLength(9);
    store.close();
    expect(localBlocks()).toBe(2);

    const qs = new URLSearchParams({ query: 'retry_metric', start: String(T0 / 1000), end: String((T0 + (N - 1) * STEP) / 1000), step: '60' });
    const q = (await (await fetch(`${base}/prometheus/api/v1/query_range?${qs}`)).json()) as { data: { result: { values: [number, string][] }[] } };
    expect(q.data.result).toHaveLength(1);
    expect(q.data.result[0].values.map(([, v]) => Number(v))).toEqual(Array.from({ length: N }, (_, i) => i));
  }, 90_000);
});
