import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPrometheusApi, type PrometheusApiDeps } from '../src/metrics/api/index.js';
import { Engine } from '../src/metrics/promql/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { Labels, Matcher } from '../src/model/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { prometheusInstalled, startPrometheusWithData, toOpenMetrics, type PromSample, type RunningPrometheus } from './helpers/prometheus.js';
import { tempDir } from './helpers/process.js';

/**
 * `/api/v1/admin/tsdb/delete_series` and `clean_tombstones`, as Prometheus: deletions in blocks (tombstones) and in
 * the head are honoured by queries, survive a restart and compaction, clean_tombstones rewrites the blocks; and side
 * by side with a real Prometheus 2.42 on the same blocks.
 */
const HAVE = prometheusInstalled();
if (!HAVE && process.env.CI === 'true') throw new Error('prometheus/promtool not installed (Debian package "prometheus") but CI=true');

const BLOCK = 2 * 3600_000;
const OPTS = { retentionMs: 0, retentionBytes: 0, minBlockDurationMs: BLOCK, compactionIntervalMs: 0 };
const ALL = Number.MAX_SAFE_INTEGER;

function deps(db: Tsdb, admin: boolean): PrometheusApiDeps {
  return {
    queryable: db,
    engine: new Engine(db),
    configYaml: () => '',
    flags: () => ({}),
    buildInfo: { version: '', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
    ...(admin ? { deleteSeries: (m, s, e) => db.deleteSeries(m, s, e), cleanTombstones: () => db.cleanTombstones() } : {}),
  };
}

async function serve(apps: FastifyInstance[], d: PrometheusApiDeps): Promise<string> {
  const app = createHttpServer({ name: 'metrics', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry: createSelfMetricsRegistry() });
  registerPrometheusApi(app, d);
  apps.push(app);
  return `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
}

/** Samples per series (key: `i=<value>`). */
async function samplesOf(db: Tsdb): Promise<Map<string, number[]>> {
  const q = await db.querier(-ALL, ALL);
  try {
    const out = new Map<string, number[]>();
    for (const s of await q.select([new Matcher('=', '__name__', 'del_metric')], { start: -ALL, end: ALL }, true)) {
      const d = s.samples(-ALL, ALL);
      out.set(`i=${s.labels.get('i')}`, Array.from(d.t.subarray(0, d.length)));
    }
    return out;
  } finally {
    q.close();
  }
}

function post(url: string, path: string, params: string): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', body: params, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

describe('delete_series and clean_tombstones on our TSDB', () => {
  const dir = tempDir('tsdb-delete-');
  let db: Tsdb;
  const apps: FastifyInstance[] = [];
  let url: string;
  let disabledUrl: string;
  const MIN = 60_000;

  beforeAll(async () => {
    db = await Tsdb.open({ dir, ...OPTS });
    // 4 series, one sample a minute over 5 h: the first 2 h in a block, the rest in the head.
    const a = db.appender();
    for (let t = 0; t < 5 * 3600_000; t += MIN) for (let i = 0; i < 4; i++) a.append(0, Labels.fromObject({ __name__: 'del_metric', i: String(i) }), t, i);
    await a.commit();
    await db.compactHead();
    expect(db.blockMetas().length).toBe(1);
    url = await serve(apps, deps(db, true));
    disabledUrl = await serve(apps, deps(db, false));
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.close();
  });

  it('refuses when the admin API is disabled, and without match[]', async () => {
    for (const path of ['/api/v1/admin/tsdb/delete_series', '/api/v1/admin/tsdb/clean_tombstones']) {
      const res = await post(disabledUrl, path, 'match[]=up');
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' });
    }
    const res = await post(url, '/api/v1/admin/tsdb/delete_series', '');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
    expect((await post(url, '/api/v1/admin/tsdb/delete_series', 'match[]=up{')).status).toBe(400);
  });

  it('deletes a range across block and head, and whole series; queries honour it', async () => {
    // i=1: [1h, 3h] (block and head); i=2: everything (PUT, default range).
    const res = await post(url, '/api/v1/admin/tsdb/delete_series', 'match[]=del_metric{i="1"}&start=3600&end=10800');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const put = await fetch(`${url}/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent('{__name__="del_metric",i="2"}')}`, { method: 'PUT' });
    expect(put.status).toBe(204);
    const got = await samplesOf(db);
    expect([...got.keys()].sort()).toEqual(['i=0', 'i=1', 'i=3']);
    expect(got.get('i=0')!.length).toBe(300);
    const one = got.get('i=1')!;
    expect(one.length).toBe(300 - 121);
    expect(one.some((t) => t >= 3600_000 && t <= 10_800_000)).toBe(false);
    // The API answers from the same store: /series no longer lists i=2 and the rate over the hole is empty.
    const series = (await (await post(url, '/api/v1/series', 'match[]=del_metric&start=0&end=18000')).json()) as { data: unknown[] };
    expect(series.data.length).toBe(3);
    const q = (await (await post(url, '/api/v1/query', 'query=count_over_time(del_metric{i="1"}[30m])&time=7200')).json()) as { data: { result: unknown[] } };
    expect(q.data.result).toEqual([]);
    // The block carries the deletion as tombstones: i=1's range and i=2's.
    expect(db.blockMetas()[0].stats.numTombstones).toBe(2);
  });

  it('keeps the deletions across a restart (block tombstones, head deletion replayed from the WAL)', async () => {
    const before = await samplesOf(db);
    await db.close();
    db = await Tsdb.open({ dir, ...OPTS });
    expect(await samplesOf(db)).toEqual(before);
  });

  it('clean_tombstones rewrites the block without the deleted samples; compaction keeps the head deletions', async () => {
    const before = await samplesOf(db);
    const old = db.blockMetas()[0];
    const server = await serve(apps, deps(db, true));
    const res = await post(server, '/api/v1/admin/tsdb/clean_tombstones', '');
    expect(res.status).toBe(204);
    const [now] = db.blockMetas();
    expect(now.ulid).not.toBe(old.ulid);
    expect(now.compaction.level).toBe(old.compaction.level);
    expect(now.compaction.parents?.map((p) => p.ulid)).toEqual([old.ulid]);
    expect(now.stats.numSamples).toBe(old.stats.numSamples - 60 - 120);
    expect(now.stats.numTombstones ?? 0).toBe(0);
    expect(readFileSync(join(dir, now.ulid, 'tombstones')).length).toBe(9);
    expect(await samplesOf(db)).toEqual(before);
    // Write the rest of the head into blocks: the head's deleted samples do not come back.
    const a = db.appender();
    for (let i = 0; i < 4; i++) a.append(0, Labels.fromObject({ __name__: 'del_metric', i: String(i) }), 9 * 3600_000, i);
    await a.commit();
    await db.compactHead();
    const after = await samplesOf(db);
    expect(after.get('i=1')!.filter((t) => t >= 3600_000 && t <= 10_800_000)).toEqual([]);
    expect(after.has('i=2')).toBe(true); // appended again after the deletion: visible
    expect(after.get('i=2')).toEqual([9 * 3600_000]);
  });
});

describe.skipIf(!HAVE)('delete_series and clean_tombstones side by side with Prometheus 2.42', () => {
  const STEP = 60_000;
  const START = Math.floor((Date.now() - 12 * 3600_000) / 3600_000) * 3600_000 + 7_000;
  const data: PromSample[] = [];
  for (const job of ['a', 'b']) {
    for (let i = 0; i < 3; i++) {
      const t: number[] = [];
      const v: number[] = [];
      for (let k = 0; k < 6 * 60; k++) {
        t.push(START + k * STEP);
        v.push(k * (i + 1));
      }
      data.push({ labels: { __name__: 'dd_metric', job, i: String(i) }, t, v });
    }
  }
  const END = START + 6 * 3600_000;
  let prom: RunningPrometheus;
  let db: Tsdb;
  let ours: string;
  const apps: FastifyInstance[] = [];
  const dir = tempDir('tsdb-delete-prom-');

  beforeAll(async () => {
    prom = await startPrometheusWithData(data, ['--web.enable-admin-api']);
    // The same blocks for us: promtool's import of the same OpenMetrics text.
    const om = join(tempDir('tsdb-delete-om-'), 'in.om');
    writeFileSync(om, toOpenMetrics(data));
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    db = await Tsdb.open({ dir, ...OPTS });
    ours = await serve(apps, deps(db, true));
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.close();
    await prom?.stop();
  });

  async function both(path: string, params: string): Promise<[{ status: number; body: string }, { status: number; body: string }]> {
    const [a, b] = await Promise.all([post(prom.url, path, params), post(ours, path, params)]);
    return [
      { status: a.status, body: await a.text() },
      { status: b.status, body: await b.text() },
    ];
  }

  async function rawSamples(base: string): Promise<unknown> {
    const r = await post(base, '/api/v1/query', `query=${encodeURIComponent('dd_metric[1d]')}&time=${(END + 60_000) / 1000}`);
    const body = (await r.json()) as { data: { result: { metric: Record<string, string>; values: unknown[] }[] } };
    return body.data.result.map((s) => ({ m: s.metric, n: s.values.length, values: s.values })).sort((x, y) => JSON.stringify(x.m).localeCompare(JSON.stringify(y.m)));
  }

  it('answers and deletes the same', async () => {
    expect(await rawSamples(ours)).toEqual(await rawSamples(prom.url));
    const [pe, oe] = await both('/api/v1/admin/tsdb/delete_series', '');
    expect(oe).toEqual(pe);
    const from = (START + 100 * STEP) / 1000;
    const to = (START + 250 * STEP) / 1000;
    const [p1, o1] = await both('/api/v1/admin/tsdb/delete_series', `match[]=dd_metric{job="a",i!="2"}&match[]=dd_metric{i="2",job="b"}&start=${from}&end=${to}`);
    expect(p1.status).toBe(204);
    expect(o1).toEqual(p1);
    const [p2, o2] = await both('/api/v1/admin/tsdb/delete_series', 'match[]={__name__="dd_metric",job="b",i="0"}');
    expect(o2).toEqual(p2);
    const want = (await rawSamples(prom.url)) as { n: number }[];
    expect(want.length).toBe(5);
    expect(await rawSamples(ours)).toEqual(want);
    // promtool reads our tombstones files: its dump of our blocks leaves the deleted samples out too.
    const copy = tempDir('tsdb-delete-ourcopy-');
    for (const m of db.blockMetas()) cpSync(join(dir, m.ulid), join(copy, m.ulid), { recursive: true });
    mkdirSync(join(copy, 'wal'));
    const dumped = spawnSync('promtool', ['tsdb', 'dump', copy], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.trim().split('\n');
    expect(dumped.length).toBe(want.reduce((n, s) => n + s.n, 0));
  });

  it('clean_tombstones: the same samples, in rewritten blocks of the same sizes', async () => {
    const [p, o] = await both('/api/v1/admin/tsdb/clean_tombstones', '');
    expect(p.status).toBe(204);
    expect(o).toEqual(p);
    expect(await rawSamples(ours)).toEqual(await rawSamples(prom.url));
    const counts = (d: string) =>
      spawnSync('promtool', ['tsdb', 'list', d], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .map((r) => [Number(r[1]), Number(r[4]), Number(r[6])])
        .sort((x, y) => x[0] - y[0]);
    // Prometheus's directory is in use: list a copy of its blocks.
    const copy = tempDir('tsdb-delete-promcopy-');
    cpSync(join(prom.dir, 'tsdb'), copy, { recursive: true, filter: (src) => !src.includes('/wal') && !src.endsWith('/lock') });
    mkdirSync(join(copy, 'wal'), { recursive: true });
    expect(counts(dir)).toEqual(counts(copy));
  });
});
