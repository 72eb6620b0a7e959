import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Labels, Matcher } from '../../model/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { AppendError } from '../storage-api/interface.js';
import { Tsdb, type TsdbOptions } from './index.js';
import { selectOverlapping } from './compaction-plan.js';

const MIN = 60_000;
const HOUR = 3600_000;
const open: Tsdb[] = [];
async function openDb(dir: string, extra: Partial<TsdbOptions> = {}): Promise<Tsdb> {
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * HOUR, compactionIntervalMs: 0, outOfOrderWindowMs: 30 * MIN, ...extra });
  open.push(db);
  return db;
}
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

const X = Labels.fromObject({ __name__: 'x', a: '1' });
const Y = Labels.fromObject({ __name__: 'y' });

async function samples(db: Tsdb, lbl: Labels = X, mint = -Infinity, maxt = Infinity): Promise<[number, number][]> {
  const q = await db.querier(mint, maxt);
  const out: [number, number][] = [];
  for (const s of await q.select([new Matcher('=', '__name__', lbl.get('__name__'))], { start: mint, end: maxt })) {
    if (!s.labels.equals(lbl)) continue;
    const b = s.samples(mint, maxt);
    for (let i = 0; i < b.length; i++) out.push([b.t[i], b.v[i]]);
  }
  q.close();
  return out;
}

async function append(db: Tsdb, lbl: Labels, t: number, v: number): Promise<string | null> {
  const app = db.appender();
  try {
    app.append(0, lbl, t, v);
  } catch (e) {
    app.rollback();
    if (e instanceof AppendError) return e.message;
    throw e;
  }
  await app.commit();
  return null;
}

async function counter(reg: Registry, name: string): Promise<number> {
  const m = await reg.getSingleMetric(name)!.get();
  return m.values.reduce((n, v) => n + v.value, 0);
}

describe('out-of-order ingestion (storage.tsdb.out_of_order_time_window)', () => {
  it('accepts samples up to the window late, refuses older ones as "too old sample", and counts both', async () => {
    const registry = new Registry();
    const db = await openDb(tempDir(), { registry });
    const t0 = 10 * HOUR;
    expect(await append(db, X, t0, 1)).toBeNull();
    expect(await append(db, X, t0 - 10 * MIN, 2)).toBeNull();
    expect(await append(db, X, t0 - 30 * MIN, 3)).toBeNull(); // exactly the window
    expect(await append(db, X, t0 - 30 * MIN - 1, 4)).toBe('too old sample');
    // A new series is in order whatever its time, as long as it is not older than the head allows.
    expect(await append(db, Y, t0 - 20 * MIN, 5)).toBeNull();
    expect(await append(db, Y, t0 - 40 * MIN, 6)).toBe('too old sample');
    // The window is relative to the head's newest sample, not the series'.
    expect(await append(db, X, t0 + 20 * MIN, 7)).toBeNull();
    expect(await append(db, Y, t0 - 15 * MIN, 8)).toBeNull(); // newer than y's newest: in order
    expect(await append(db, Y, t0 - 25 * MIN, 9)).toBe('too old sample'); // 45 minutes before the head's newest
    expect(await samples(db)).toEqual([
      [t0 - 30 * MIN, 3],
      [t0 - 10 * MIN, 2],
      [t0, 1],
      [t0 + 20 * MIN, 7],
    ]);
    expect(await samples(db, Y)).toEqual([
      [t0 - 20 * MIN, 5],
      [t0 - 15 * MIN, 8],
    ]);
    expect(await counter(registry, 'prometheus_tsdb_too_old_samples_total')).toBe(3);
    expect(await counter(registry, 'prometheus_tsdb_head_out_of_order_samples_appended_total')).toBe(2);
    expect(await counter(registry, 'prometheus_tsdb_head_samples_appended_total')).toBe(6);
    expect(await counter(registry, 'prometheus_tsdb_out_of_order_samples_total')).toBe(0);
  });

  it('without a window refuses them as before', async () => {
    const db = await openDb(tempDir(), { outOfOrderWindowMs: 0 });
    await append(db, X, HOUR, 1);
    expect(await append(db, X, HOUR - MIN, 2)).toBe('out of order sample');
    expect(existsSync(join(db.opts.dir, 'wbl'))).toBe(false);
  });

  it('takes a window set at runtime (a prometheus.yml reload, a tenant limit), and back to 0', async () => {
    const dir = tempDir();
    const db = await openDb(dir, { outOfOrderWindowMs: 0 });
    await append(db, X, HOUR, 1);
    expect(await append(db, X, HOUR - MIN, 2)).toBe('out of order sample');
    db.setOutOfOrderWindow(30 * MIN);
    expect(await append(db, X, HOUR - MIN, 2)).toBeNull();
    expect(readdirSync(join(dir, 'wbl')).length).toBeGreaterThan(0);
    db.setOutOfOrderWindow(0);
    expect(await append(db, X, HOUR - 2 * MIN, 3)).toBe('out of order sample');
    expect(await samples(db)).toEqual([
      [HOUR - MIN, 2],
      [HOUR, 1],
    ]);
  });

  it('sorts out of order samples within one commit, and an out-of-order sample wins a timestamp tie (as Prometheus 2.42)', async () => {
    const db = await openDb(tempDir());
    const app = db.appender();
    for (const t of [100, 50, 70, 60, 100]) app.append(0, X, t * 1000, t);
    await app.commit();
    expect(await append(db, X, 70_000, 99)).toBeNull(); // same time as an out-of-order sample in the OOO head: dropped
    const app2 = db.appender();
    app2.append(0, Y, 100_000, 1);
    app2.append(0, Y, 200_000, 2);
    await app2.commit();
    expect(await append(db, Y, 150_000, 3)).toBeNull();
    expect(await append(db, Y, 100_000, 4)).toBeNull(); // the time of an in-order sample
    expect(await samples(db)).toEqual([
      [50_000, 50],
      [60_000, 60],
      [70_000, 70],
      [100_000, 100],
    ]);
    expect(await samples(db, Y)).toEqual([
      [100_000, 4],
      [150_000, 3],
      [200_000, 2],
    ]);
    // many out-of-order samples: more than one out-of-order chunk (32 samples each), overlapping
    for (let i = 0; i < 100; i++) expect(await append(db, Y, 100_000 + ((i * 37) % 100) * 1000 + 1, i)).toBeNull();
    const got = await samples(db, Y);
    expect(got.length).toBe(103);
    expect(got[0]).toEqual([100_000, 4]);
    for (let i = 1; i < got.length; i++) expect(got[i][0]).toBeGreaterThan(got[i - 1][0]);
  });

  it('replays the write-behind log (wbl/) at open: acknowledged out-of-order samples survive a restart', async () => {
    const dir = tempDir();
    let db = await openDb(dir);
    await append(db, X, 5 * HOUR, 1);
    for (let i = 1; i <= 20; i++) await append(db, X, 5 * HOUR - i * MIN, i + 1);
    const before = await samples(db);
    expect(before.length).toBe(21);
    const wbl = readdirSync(join(dir, 'wbl'));
    expect(wbl.length).toBeGreaterThan(0);
    await db.close();
    open.splice(open.indexOf(db), 1);
    db = await openDb(dir);
    expect(await samples(db)).toEqual(before);
    // still refused/accepted relative to the replayed head
    expect(await append(db, X, 5 * HOUR - 31 * MIN, 0)).toBe('too old sample');
  });

  it('compaction writes the out-of-order head into from-out-of-order blocks and merges them with the in-order ones', async () => {
    const dir = tempDir();
    const db = await openDb(dir, { minBlockDurationMs: 2 * HOUR, maxBlockDurationMs: 6 * HOUR });
    // in-order: one sample a minute over [0h, 3h50m]; late: every 10 minutes between, at +30 s
    for (let t = 0; t < 230 * MIN; t += MIN) {
      const app = db.appender();
      app.append(0, X, t, t / MIN);
      await app.commit();
      if (t >= 30 * MIN && t % (10 * MIN) === 0) expect(await append(db, X, t - 25 * MIN + 30_000, -1)).toBeNull();
      if (t === 60 * MIN) expect(await append(db, X, 40 * MIN, -2)).toBeNull(); // at the time of an in-order sample
    }
    const all = await samples(db);
    expect(all.length).toBe(230 + 20);
    expect(all.find(([t]) => t === 40 * MIN)).toEqual([40 * MIN, -2]);
    await db.compactHead();
    const metas = db.blockMetas();
    // the in-order block [0, 2h) and the out-of-order one of that range merged by vertical compaction; the
    // out-of-order block [2h, 4h) overlaps only the head's in-order data and stays
    expect(metas.map((m) => [m.minTime, m.maxTime, m.compaction.level, m.compaction.hints ?? []])).toEqual([
      [0, 2 * HOUR, 2, []],
      [2 * HOUR, 4 * HOUR, 1, ['from-out-of-order']],
    ]);
    expect(await samples(db)).toEqual(all);
    // the merged block's chunks are in order and do not overlap: promtool reads it so
    if (existsSync('/usr/bin/promtool')) {
      const list = execFileSync('/usr/bin/promtool', ['tsdb', 'list', dir]).toString();
      for (const m of metas) expect(list).toContain(m.ulid);
      const dumped = execFileSync('/usr/bin/promtool', ['tsdb', 'dump', '--min-time=0', `--max-time=${2 * HOUR - 1}`, dir]).toString().trim().split('\n');
      const ts = dumped.map((l) => Number(l.split(' ').at(-1)));
      const expected = all.filter(([t]) => t < 2 * HOUR).map(([t]) => t);
      expect(ts).toEqual(expected);
    }
    const meta = JSON.parse(readFileSync(join(dir, metas[0].ulid, 'meta.json'), 'utf8')) as { stats: { numSamples: number } };
    expect(meta.stats.numSamples).toBe(all.filter(([t]) => t < 2 * HOUR).length);
    // the WBL was truncated, and a restart does not bring compacted samples back as duplicates
    await db.close();
    open.splice(open.indexOf(db), 1);
    const db2 = await openDb(dir, { minBlockDurationMs: 2 * HOUR, maxBlockDurationMs: 6 * HOUR });
    expect(await samples(db2)).toEqual(all);
  });

  it('plans overlapping blocks first (vertical compaction), as Prometheus selectOverlappingDirs', () => {
    const b = (minTime: number, maxTime: number) => ({ minTime, maxTime });
    expect(selectOverlapping([b(0, 10), b(10, 20), b(20, 30)])).toBeNull();
    expect(selectOverlapping([b(0, 10), b(5, 20), b(10, 30), b(40, 50)])).toEqual([b(0, 10), b(5, 20), b(10, 30)]);
  });
});
