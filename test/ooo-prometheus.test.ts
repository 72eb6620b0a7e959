/**
 * Out-of-order ingestion against real Prometheus 2.42 (issue 17): both get `storage.tsdb.out_of_order_time_window:
 * 30m` in prometheus.yml and the same remote-written data, in order first, then late samples one request each.
 * Which requests are accepted, the out-of-order / too-old counters and the query answers must be the same; after
 * a kill -9 of Sightline and a restart (WBL replay) the answers are still Prometheus's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressSnappyBody, encodeWriteRequestV1 } from '../src/metrics/remote/index.js';
import { Labels } from '../src/model/index.js';
import { spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

const MIN = 60_000;
type Batch = { labels: Record<string, string>; samples: [number, number][] }[];

async function write(base: string, batch: Batch): Promise<number> {
  const sampleEnd: number[] = [];
  const t: number[] = [];
  const v: number[] = [];
  for (const s of batch) {
    for (const [ts, val] of s.samples) {
      t.push(ts);
      v.push(val);
    }
    sampleEnd.push(t.length);
  }
  const body = compressSnappyBody(encodeWriteRequestV1({ seriesCount: batch.length, labels: batch.map((s) => Labels.fromObject(s.labels)), sampleEnd, t, v }));
  const res = await fetch(`${base}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body,
  });
  await res.text();
  return res.status;
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.split(' ').at(-1));
  return sum;
}

async function api(base: string, path: string, params: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${base}/api/v1/${path}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string> }[] } };
  expect(body.status).toBe('success');
  return body.data.result.sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
}

describe.runIf(prometheusAvailable())('out-of-order window: Sightline vs Prometheus 2.42', () => {
  const promYml = 'storage:\n  tsdb:\n    out_of_order_time_window: 30m\n';
  let prom: PrometheusPeer;
  let dir: string;
  let s: SpawnedSightline | undefined;
  let ours = '';
  const t0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;

  const start = async () => {
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    ours = `http://127.0.0.1:${(await startedPorts(s, 45_000)).prometheus}`;
  };

  beforeAll(async () => {
    prom = await startPrometheus(tempDir('prom-ooo-'), promYml);
    dir = tempDir('ooo-prom-');
    writeFileSync(join(dir, 'prometheus.yml'), promYml);
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics:\n  listen_address: 127.0.0.1:0\n  scrape_self: false\n');
    await start();
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    if (s) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  const late: [string, number, number][] = [
    ['ooo_a', t0 - 5 * MIN + 30_000, 1001], // inside the window
    ['ooo_a', t0 - 29 * MIN, 1002], // inside, at the time of an in-order sample
    ['ooo_a', t0 - 30 * MIN - 45_000, 1003], // too old
    ['ooo_a', t0 - 10 * MIN, 9999], // same time as an in-order sample, other value
    ['ooo_a', t0 - 5 * MIN + 30_000, 1001], // again: dropped as a duplicate
    ['ooo_a', t0 - 5 * MIN + 30_000, 1234], // same time, other value, in the out-of-order head: dropped
    ['ooo_b', t0 - 1 * MIN, 2001], // between two in-order samples
    ['ooo_b', t0 - 40 * MIN, 2002], // too old
    ['ooo_c', t0 - 20 * MIN, 3001], // new series: in order
    ['ooo_c', t0 - 25 * MIN, 3002], // older than the series' newest: out of order, inside the window
    ['ooo_c', t0 - 35 * MIN, 3003], // too old
    ['ooo_a', t0 + MIN, 1005], // moves the head on
    ['ooo_a', t0 - 29 * MIN - 30_000, 1006], // now too old (the window follows the head's newest sample)
    ['ooo_a', t0 - 28 * MIN - 30_000, 1007], // inside
  ];

  it('accepts and refuses the same late samples, counts them alike, and answers queries alike', async () => {
    const inOrder: Batch = [
      { labels: { __name__: 'ooo_a', k: '1' }, samples: Array.from({ length: 61 }, (_, i) => [t0 - 60 * MIN + i * MIN, i] as [number, number]) },
      { labels: { __name__: 'ooo_b', k: '2' }, samples: Array.from({ length: 31 }, (_, i) => [t0 - 60 * MIN + i * 2 * MIN, 100 + i] as [number, number]) },
    ];
    const counters = ['prometheus_tsdb_head_samples_appended_total', 'prometheus_tsdb_head_out_of_order_samples_appended_total', 'prometheus_tsdb_too_old_samples_total', 'prometheus_tsdb_out_of_order_samples_total'];
    const before = { prom: await Promise.all(counters.map((c) => metric(prom.url, c))), ours: await Promise.all(counters.map((c) => metric(ours, c))) };
    expect(await write(prom.url, inOrder)).toBe(204);
    expect(await write(ours, inOrder)).toBe(204);
    const statuses: { prom: boolean[]; ours: boolean[] } = { prom: [], ours: [] };
    for (const [name, t, v] of late) {
      const b: Batch = [{ labels: { __name__: name, k: name === 'ooo_a' ? '1' : name === 'ooo_b' ? '2' : '3' }, samples: [[t, v]] }];
      statuses.prom.push((await write(prom.url, b)) < 300);
      statuses.ours.push((await write(ours, b)) < 300);
    }
    // several out-of-order samples of a new series in one request: the commit sorts them out
    const mixed: Batch = [{ labels: { __name__: 'ooo_d', k: '4' }, samples: [[t0 - 3 * MIN, 1], [t0 - 4 * MIN, 2], [t0 - 2 * MIN, 3], [t0 - 4 * MIN, 4]] }];
    statuses.prom.push((await write(prom.url, mixed)) < 300);
    statuses.ours.push((await write(ours, mixed)) < 300);
    expect(statuses.ours).toEqual(statuses.prom);
    expect(statuses.prom.filter((x) => !x).length).toBe(4);

    const after = { prom: await Promise.all(counters.map((c) => metric(prom.url, c))), ours: await Promise.all(counters.map((c) => metric(ours, c))) };
    const delta = (k: 'prom' | 'ours') => Object.fromEntries(counters.map((c, i) => [c, after[k][i] - before[k][i]]));
    expect(delta('ours')).toEqual(delta('prom'));
    expect(delta('prom')['prometheus_tsdb_too_old_samples_total']).toBe(4);
    // 61 in order, 3 late ones at new timestamps (two others at the times of in-order samples: the late value wins)
    await compareQueries(64);
  }, 60_000);

  async function compareQueries(samplesOfA: number): Promise<void> {
    const range = { query: '{__name__=~"ooo_.*"}', start: String((t0 - 65 * MIN) / 1000), end: String((t0 + 2 * MIN) / 1000), step: '14' }; // 14 s: no step lands exactly on a sample + 5m (2.42's lookback includes that end, Sightline's engine does not)
    const mine = await api(ours, 'query_range', range);
    expect(mine).toEqual(await api(prom.url, 'query_range', range));
    for (const q of ['ooo_a[2h]', 'ooo_b[2h]', 'ooo_c[2h]', 'ooo_d[2h]', 'count_over_time({__name__=~"ooo_.*"}[2h])']) {
      const p = { query: q, time: String((t0 + 2 * MIN) / 1000) };
      expect(await api(ours, 'query', p), q).toEqual(await api(prom.url, 'query', p));
    }
    const raw = (await api(ours, 'query', { query: 'ooo_a[2h]', time: String((t0 + 2 * MIN) / 1000) })) as { values: [number, string][] }[];
    expect(raw[0].values.length).toBe(samplesOfA);
  }

  it('after kill -9 and a restart (WAL and WBL replay) the answers are still the same', async () => {
    s!.child.kill('SIGKILL');
    await s!.exited;
    await start();
    await compareQueries(64);
    // and the window still applies to the replayed head
    const b: Batch = [{ labels: { __name__: 'ooo_a', k: '1' }, samples: [[t0 - 20 * MIN + 1, 7]] }];
    expect(await write(prom.url, b)).toBe(204);
    expect(await write(ours, b)).toBe(204);
    await compareQueries(65);
  }, 90_000);
});
