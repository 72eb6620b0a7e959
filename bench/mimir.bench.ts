/**
 * Mimir-role figures (`npm run bench -- mimir`), one JSON line each: PromQL range-query latency over the same
 * amount of data read from the tenant's head (in memory) versus from bucket blocks in an S3-compatible server
 * (s3rver on loopback, through the AWS SDK) — cold (first query: the block is fetched into the local cache) and
 * warm (served from the disk cache). The local copies of the old blocks are deleted by local retention first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir } from '../src/metrics/mimir/index.js';
import { Labels } from '../src/model/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { tempDir } from '../test/helpers/process.js';

const HOUR = 3600_000;
const SERIES = Number(process.env.MIMIR_BENCH_SERIES ?? 1000);
const STEP = 15_000;
const HOURS = 8;
const REPS = 10;

function emit(o: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'mimir', ...o }));
}

const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir('mimir-bench-s3-'), configureBuckets: [{ name: 'mimir' }] });
const endpoint = `127.0.0.1:${(await s3.run()).port}`;
const dataDir = tempDir('mimir-bench-');
const config = sightlineConfigSchema.parse({
  mimir: {
    listen_address: '127.0.0.1:0',
    block_duration: '1h',
    local_retention: '2h',
    storage: { backend: 's3', s3: { endpoint, bucket: 'mimir', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' } },
    compactor: { interval: '0s', block_ranges: ['1h', '4h'] },
  },
});
const mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
const tenant = await mimir.tenants.get('anonymous');

const end = Math.floor(Date.now() / HOUR) * HOUR;
const start = end - HOURS * HOUR;
const labels = Array.from({ length: SERIES }, (_, i) => Labels.fromObject({ __name__: 'bench_requests_total', instance: `host-${i % 50}`, idx: String(i) }));
const refs = new Array<number>(SERIES).fill(0);
const vals = new Float64Array(SERIES);
for (let t = start; t < end; t += STEP) {
  const app = tenant.tsdb.appender();
  for (let i = 0; i < SERIES; i++) {
    vals[i] += Math.floor(Math.random() * 10);
    refs[i] = app.append(refs[i], labels[i], t, vals[i]);
  }
  await app.commit();
}
await tenant.tsdb.compactHead();
const localDir = join(dataDir, 'mimir', 'tsdb', 'anonymous');
const local = existsSync(localDir) ? readdirSync(localDir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length : 0;
const inBucket = (await tenant.bucket.list()).length;
emit({ figure: 'setup', series: SERIES, samples: SERIES * ((HOURS * HOUR) / STEP), blocks_in_bucket: inBucket, local_blocks: local });

const query = 'sum by (instance) (rate(bench_requests_total[5m]))';
async function time(from: number, to: number): Promise<number> {
  const t0 = performance.now();
  const r = await tenant.engine.rangeQuery(query, from, to, 60_000);
  const ms = performance.now() - t0;
  if (r.value.type !== 'matrix' || r.value.series.length !== Math.min(50, SERIES)) throw new Error(`unexpected result: ${r.value.type}`);
  return ms;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// One hour of data: the newest hour (head) and the oldest hour (bucket only, local copy deleted).
const headFrom = end - HOUR + 5 * 60_000;
const headTo = end - STEP;
const oldFrom = start + 5 * 60_000;
const oldTo = start + HOUR - STEP;
await time(headFrom, headTo);
const head: number[] = [];
for (let i = 0; i < REPS; i++) head.push(await time(headFrom, headTo));
const cold = await time(oldFrom, oldTo);
const warm: number[] = [];
for (let i = 0; i < REPS; i++) warm.push(await time(oldFrom, oldTo));
emit({ figure: 'range_query_1h_latency_ms', query, series: SERIES, head_median: +median(head).toFixed(1), bucket_cold: +cold.toFixed(1), bucket_warm_median: +median(warm).toFixed(1), ratio_warm_to_head: +(median(warm) / median(head)).toFixed(2) });

await mimir.stop();
await s3.close();
