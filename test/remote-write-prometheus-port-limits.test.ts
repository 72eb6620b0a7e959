import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { encodeV1, type PbSeriesV1 } from './helpers/remote-write-protos.js';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

/**
 * Issue 21: the Prometheus role's receiver (`/api/v1/write` on the Prometheus port) behaves as Prometheus's — no
 * ingestion rate limit out of the box (Mimir's default would refuse everything past a 200k burst with 429).
 */
describe('remote write on the Prometheus port with the default config', () => {
  let s: SpawnedSightline | undefined;
  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
  });

  it('accepts 300k samples (more than Mimir’s 200k default burst) and stores them all', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\n');
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]);
    const ports = await startedPorts(s);
    const base = `http://127.0.0.1:${ports.prometheus}`;

    // 3,000 series x 100 samples, 6,000 samples per request (60 series x 100), 50 requests.
    const t0 = Date.now() - 100 * 1000;
    const statuses: number[] = [];
    for (let r = 0; r < 50; r++) {
      const ts: PbSeriesV1[] = [];
      for (let k = 0; k < 60; k++) {
        const id = r * 60 + k;
        const samples = Array.from({ length: 100 }, (_, j) => ({ value: j, timestamp: t0 + j * 1000 }));
        ts.push({ labels: [{ name: '__name__', value: 'rw_load' }, { name: 'series', value: String(id) }], samples });
      }
      const res = await fetch(`${base}/api/v1/write`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
        body: compressSnappyBody(encodeV1(ts)),
      });
      statuses.push(res.status);
      await res.text();
    }
    expect(new Set(statuses)).toEqual(new Set([204]));

    const q = await fetch(`${base}/api/v1/query?query=${encodeURIComponent('sum(count_over_time(rw_load[10m]))')}&time=${(t0 + 100_000) / 1000}`);
    const body = (await q.json()) as { data: { result: { value: [number, string] }[] } };
    expect(Number(body.data.result[0]?.value[1])).toBe(300_000);
  }, 60_000);
});
