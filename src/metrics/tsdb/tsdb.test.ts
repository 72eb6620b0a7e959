import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { Labels, Matcher, STALE_NAN, isStaleNaN } from '../../model/index.js';
import { AppendError } from '../storage-api/interface.js';
import { tempDir } from '../../../test/helpers/process.js';
import { tsdbOpener } from '../../../test/helpers/tsdb.js';
import { Tsdb } from './index.js';
import { dirSize } from './block.js';

const { openDb } = tsdbOpener();

const L = (o: Record<string, string>) => Labels.fromObject(o);

async function dump(db: Tsdb, mint = -Infinity, maxt = Infinity, ms = [new Matcher('=~', '__name__', '.+')]): Promise<Record<string, [number, string][]>> {
  const q = await db.querier(mint, maxt);
  const out: Record<string, [number, string][]> = {};
  for (const s of await q.select(ms, { start: mint, end: maxt }, true)) {
    const b = s.samples(mint, maxt);
    const rows: [number, string][] = [];
    for (let i = 0; i < b.length; i++) rows.push([b.t[i], isStaleNaN(b.v[i]) ? 'stale' : String(b.v[i])]);
    out[s.labels.toString()] = rows;
  }
  q.close();
  return out;
}

/** Counters increasing irregularly and gauges random-walking, `series` each, one sample per `step` ms. */
async function ingest(db: Tsdb, from: number, to: number, step: number, series = 10): Promise<number> {
  let n = 0;
  const refs = new Array<number>(series * 2).fill(0);
  for (let t = from; t < to; t += step) {
    const app = db.appender();
    for (let i = 0; i < series; i++) {
      refs[2 * i] = app.append(refs[2 * i], L({ __name__: 'requests_total', instance: `i${i}`, job: 'api' }), t, Math.floor(t / 1000) * (i + 1) + (t % 7000 === 0 ? 3 : 0));
      const temp = i === 0 && t % 50_000 === 0 ? STALE_NAN : Math.round(Math.sin(t / 1e5 + i) * 1000) / 10;
      refs[2 * i + 1] = app.append(refs[2 * i + 1], L({ __name__: 'temperature', instance: `i${i}` }), t, temp);
      n += 2;
    }
    await app.commit();
  }
  return n;
}

describe('Tsdb appender', () => {
  it('refuses out-of-order, duplicate and out-of-bounds samples with Prometheus messages and counts them', async () => {
    const registry = new Registry();
    const db = await openDb(tempDir(), { registry });
    const lbl = L({ __name__: 'x', a: '1' });
    let app = db.appender();
    const ref = app.append(0, lbl, 1_000_000, 1);
    app.append(ref, lbl, 1_001_000, 2);
    expect(() => app.append(ref, lbl, 1_000_500, 3)).toThrow(new AppendError('out_of_order', 'out of order sample'));
    expect(() => app.append(ref, lbl, 1_001_000, 5)).toThrow('duplicate sample for timestamp');
    expect(app.append(ref, lbl, 1_001_000, 2)).toBe(ref); // same value: accepted, ignored
    await app.commit();

    app = db.appender();
    expect(() => app.append(ref, lbl, 1_000_000, 9)).toThrow('out of order sample');
    const e = (() => {
      try {
        app.append(ref, lbl, 1_001_000, 7);
      } catch (err) {
        return err as AppendError;
      }
    })();
    expect(e).toBeInstanceOf(AppendError);
    expect(e?.kind).toBe('duplicate_sample');
    // head max is 1_001_000; with 100 s blocks anything older than max - 50 s is out of bounds
    expect(() => app.append(0, L({ __name__: 'y' }), 1_001_000 - 60_000, 1)).toThrow(new AppendError('out_of_bounds', 'out of bounds'));
    app.append(ref, lbl, 1_002_000, STALE_NAN);
    await app.commit();

    expect(await dump(db)).toEqual({ 'x{a="1"}': [[1_000_000, '1'], [1_001_000, '2'], [1_002_000, 'stale']] });
    const text = await registry.metrics();
    expect(text).toMatch(/prometheus_tsdb_out_of_order_samples_total\{type="float"\} 2/);
    expect(text).toMatch(/prometheus_tsdb_out_of_bound_samples_total\{type="float"\} 1/);
    expect(text).toMatch(/prometheus_tsdb_head_samples_appended_total\{type="float"\} 3/);
    expect(text).toMatch(/prometheus_tsdb_head_series 2/); // 'y' was created in the head, as Prometheus does
  });

  it('rollback discards the batch; nothing is visible before commit', async () => {
    const db = await openDb(tempDir());
    const app = db.appender();
    app.append(0, L({ __name__: 'x' }), 1000, 1);
    expect(await dump(db)).toEqual({});
    app.rollback();
    expect(await dump(db)).toEqual({});
    const app2 = db.appender();
    app2.append(0, L({ __name__: 'x' }), 1000, 2);
    await app2.commit();
    expect(await dump(db)).toEqual({ x: [[1000, '2']] });
  });

  it('keeps metadata and exemplars, and answers label queries', async () => {
    const db = await openDb(tempDir());
    const app = db.appender();
    const lbl = L({ __name__: 'http_requests_total', code: '200' });
    const ref = app.append(0, lbl, 5000, 10);
    app.append(0, L({ __name__: 'http_requests_total', code: '500' }), 5000, 1);
    app.updateMetadata(ref, lbl, { type: 'counter', help: 'Requests.', unit: '' });
    app.appendExemplar(ref, lbl, { labels: L({ trace_id: 'abc' }), value: 10, ts: 4900 });
    await app.commit();
    expect(db.metadata().get('http_requests_total')).toEqual([{ type: 'counter', help: 'Requests.', unit: '' }]);
    const ex = await db.exemplars([[new Matcher('=', 'code', '200')]], 0, 10_000);
    expect(ex).toHaveLength(1);
    expect(ex[0].seriesLabels.toString()).toBe('http_requests_total{code="200"}');
    expect(ex[0].exemplars[0]).toMatchObject({ value: 10, ts: 4900 });
    expect(ex[0].exemplars[0].labels.get('trace_id')).toBe('abc');
    const app2 = db.appender();
    expect(() => app2.appendExemplar(ref, lbl, { labels: L({ trace_id: 'x' }), value: 1, ts: 100 })).toThrow('out of order exemplar');
    const q = await db.querier(0, 10_000);
    expect(await q.labelNames([])).toEqual(['__name__', 'code']);
    expect(await q.labelValues('code', [new Matcher('=', '__name__', 'http_requests_total')])).toEqual(['200', '500']);
    q.close();
    const st = db.stats();
    expect(st.headStats).toMatchObject({ numSeries: 2, numLabelPairs: 3, minTime: 5000, maxTime: 5000 });
    expect(st.seriesCountByMetricName).toEqual([{ name: 'http_requests_total', value: 2 }]);
    expect(st.seriesCountByLabelValuePair[0]).toEqual({ name: '__name__=http_requests_total', value: 2 });
  });
});

describe('Tsdb durability and blocks', () => {
  it('replays the WAL on reopen: samples, series refs, metadata, exemplars', async () => {
    const dir = tempDir();
    let db = await openDb(dir);
    await ingest(db, 0, 60_000, 1000, 5);
    const app = db.appender();
    const lbl = L({ __name__: 'requests_total', instance: 'i0', job: 'api' });
    app.updateMetadata(0, lbl, { type: 'counter', help: 'h', unit: 'requests' });
    app.appendExemplar(0, lbl, { labels: L({ trace_id: 't1' }), value: 1, ts: 59_000 });
    await app.commit();
    const before = await dump(db);
    await db.close();
    db = await openDb(dir);
    expect(await dump(db)).toEqual(before);
    expect(db.metadata().get('requests_total')).toEqual([{ type: 'counter', help: 'h', unit: 'requests' }]);
    expect((await db.exemplars([[new Matcher('=', 'instance', 'i0')]], 0, 1e9)).flatMap((e) => e.exemplars.map((x) => x.value))).toEqual([1]);
    // appends continue after the replayed data, out-of-order is still refused
    const app2 = db.appender();
    expect(() => app2.append(0, lbl, 30_000, 1)).toThrow('out of order sample');
  });

  it('compacts the head into blocks; queries return the same before and after, and after reopening', async () => {
    const dir = tempDir();
    const registry = new Registry();
    let db = await openDb(dir, { registry });
    await ingest(db, 0, 1_000_000, 5000, 10); // 1000 s with 100 s blocks
    const before = await dump(db);
    expect(before['temperature{instance="i0"}'].filter(([, v]) => v === 'stale')).toHaveLength(20);
    const window = await dump(db, 123_456, 654_321);
    await db.compactHead();
    const metas = db.blockMetas();
    expect(metas.length).toBeGreaterThan(0);
    expect(db.stats().headStats.minTime).toBeGreaterThanOrEqual(800_000);
    // merged into larger ranges (300 s, 900 s): fewer blocks than 100 s ranges, some of level > 1
    expect(metas.some((m) => m.compaction.level > 1)).toBe(true);
    for (const m of metas) {
      expect(m.stats.numSamples).toBeGreaterThan(0);
      expect(readdirSync(join(dir, m.ulid)).sort()).toEqual(['chunks', 'index', 'meta.json', 'tombstones']);
    }
    const total = metas.reduce((n, m) => n + m.stats.numSamples, 0);
    expect(total).toBeGreaterThan(0);
    expect(await dump(db)).toEqual(before);
    expect(await dump(db, 123_456, 654_321)).toEqual(window);
    const q = await db.querier(0, 500_000);
    expect(await q.labelValues('instance', [])).toHaveLength(10);
    q.close();
    expect(await registry.metrics()).toMatch(/prometheus_tsdb_compactions_total [1-9]/);
    await db.close();
    db = await openDb(dir);
    expect(await dump(db)).toEqual(before);
    expect(db.blockMetas().map((m) => m.ulid)).toEqual(metas.map((m) => m.ulid));
    // more data after reopening, on top of blocks + WAL
    await ingest(db, 1_000_000, 1_100_000, 5000, 10);
    const after = await dump(db);
    expect(after['temperature{instance="i3"}'].length).toBe(before['temperature{instance="i3"}'].length + 20);
  });

  it('deletes blocks past the time retention', async () => {
    const registry = new Registry();
    const db = await openDb(tempDir(), { retentionMs: 300_000, registry });
    await ingest(db, 0, 1_000_000, 10_000, 3);
    await db.compactHead();
    const metas = db.blockMetas();
    const newest = Math.max(...metas.map((m) => m.maxTime));
    expect(metas.length).toBeGreaterThan(0);
    for (const m of metas) expect(newest - m.maxTime).toBeLessThan(300_000);
    const data = await dump(db);
    expect(Math.min(...Object.values(data).map((rows) => rows[0][0]))).toBeGreaterThanOrEqual(newest - 400_000);
    expect(await registry.metrics()).toMatch(/prometheus_tsdb_time_retentions_total [1-9]/);
  });

  it('deletes the oldest blocks past the size retention (blocks + WAL)', async () => {
    // Same deterministic data twice: once without a limit to learn the sizes, once with room for the WAL and the
    // two newest blocks only.
    const probeDir = tempDir();
    const probe = await openDb(probeDir);
    await ingest(probe, 0, 1_000_000, 1000, 5);
    await probe.compactHead();
    const all = probe.blockMetas();
    expect(all.length).toBeGreaterThan(2);
    const newestFirst = [...all].sort((a, b) => b.maxTime - a.maxTime);
    const keep = newestFirst.slice(0, 2);
    const limit = dirSize(join(probeDir, 'wal')) + keep.reduce((n, m) => n + dirSize(join(probeDir, m.ulid)), 0) + 100;

    const dir = tempDir();
    const registry = new Registry();
    const db = await openDb(dir, { retentionBytes: limit, registry });
    await ingest(db, 0, 1_000_000, 1000, 5);
    await db.compactHead();
    const metas = db.blockMetas();
    expect(metas.map((m) => [m.minTime, m.maxTime])).toEqual(keep.map((m) => [m.minTime, m.maxTime]).reverse());
    expect(readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort()).toEqual(metas.map((m) => m.ulid).sort());
    expect(await registry.metrics()).toMatch(/prometheus_tsdb_size_retentions_total [1-9]/);
    // the data of the deleted blocks is gone from queries, the rest is there
    const data = await dump(db);
    expect(Math.min(...Object.values(data).map((rows) => rows[0][0]))).toBe(keep[1].minTime);
  });

  it('the WAL reader follows committed records from a position', async () => {
    const db = await openDb(tempDir());
    const start = db.walPosition();
    const app = db.appender();
    app.append(0, L({ __name__: 'a' }), 1000, 1);
    app.append(0, L({ __name__: 'b' }), 1000, 2);
    await app.commit();
    const r = db.openWalReader(start);
    const seen: string[] = [];
    const samples: string[] = [];
    const n = r.read(
      (ref, l) => seen.push(`${ref}=${l.toString()}`),
      (refs, t, v, k) => {
        for (let i = 0; i < k; i++) samples.push(`${r.seriesLabels(refs[i])?.toString()}@${t[i]}=${v[i]}`);
      },
      1000,
    );
    expect(n).toBe(2);
    expect(seen).toHaveLength(2);
    expect(samples).toEqual(['a@1000=1', 'b@1000=2']);
    expect(r.read(() => {}, () => {}, 1000)).toBe(0);
    const app2 = db.appender();
    app2.append(0, L({ __name__: 'a' }), 2000, 3);
    await app2.commit();
    const more: number[] = [];
    expect(r.read(() => {}, (_r, _t, v, k) => more.push(...Array.from(v.subarray(0, k))), 1000)).toBe(1);
    expect(more).toEqual([3]);
    // a reader opened at the current end knows the series recorded before it
    const r2 = db.openWalReader(r.position());
    expect(r2.seriesLabels(1)?.toString()).toBe('a');
  });
});

describe('Tsdb crash states around compaction', () => {
  it('a block written but the WAL not yet truncated (crash in between): reopening neither loses nor duplicates samples', async () => {
    const { cpSync } = await import('node:fs');
    const dir = tempDir();
    let db = await openDb(dir);
    await ingest(db, 0, 1_000_000, 5000, 4);
    const before = await dump(db);
    await db.close();
    const snapshot = tempDir();
    cpSync(dir, snapshot, { recursive: true }); // WAL with everything, no blocks
    db = await openDb(dir);
    await db.compactHead();
    const metas = db.blockMetas();
    expect(metas.length).toBeGreaterThan(0);
    await db.close();
    // The crash state: the blocks are durable, the WAL still holds all their samples; plus a half-written block.
    for (const m of metas) cpSync(join(dir, m.ulid), join(snapshot, m.ulid), { recursive: true });
    cpSync(join(dir, metas[0].ulid), join(snapshot, '01HALFWRITTENBLOCK00000000.tmp'), { recursive: true });
    db = await openDb(snapshot);
    expect(await dump(db)).toEqual(before);
    // the WAL's copies of block data were not replayed into the head
    expect(db.stats().headStats.minTime).toBeGreaterThanOrEqual(Math.max(...metas.map((m) => m.maxTime)));
    expect(readdirSync(snapshot).some((n) => n.endsWith('.tmp'))).toBe(false);
    // and it goes on compacting from there
    await db.compactHead();
    expect(await dump(db)).toEqual(before);
  });

  it('a merge that crashed before deleting its inputs: the inputs are dropped at open', async () => {
    const { cpSync } = await import('node:fs');
    const dir = tempDir();
    let db = await openDb(dir);
    await ingest(db, 0, 350_000, 5000, 3);
    await db.compactHead(); // level-1 blocks only: [0,100k) [100k,200k)
    const level1 = db.blockMetas();
    const saved = tempDir();
    for (const m of level1) cpSync(join(dir, m.ulid), join(saved, m.ulid), { recursive: true });
    await ingest(db, 350_000, 700_000, 5000, 3);
    await db.compactHead(); // merges [0,300k)
    const before = await dump(db);
    const merged = db.blockMetas().find((m) => m.compaction.level > 1);
    expect(merged).toBeDefined();
    await db.close();
    // put the merged block's inputs back, as if the process died right after writing the merged block
    const restored = (merged!.compaction.parents ?? []).filter((p) => existsSync(join(saved, p.ulid)));
    expect(restored.length).toBeGreaterThan(0);
    for (const p of restored) cpSync(join(saved, p.ulid), join(dir, p.ulid), { recursive: true });
    db = await openDb(dir);
    const ulids = db.blockMetas().map((m) => m.ulid);
    for (const p of restored) {
      expect(ulids).not.toContain(p.ulid);
      expect(existsSync(join(dir, p.ulid))).toBe(false);
    }
    expect(await dump(db)).toEqual(before);
  });
});

describe('tsdbOptionsFromConfig', () => {
  it('maps metrics.tsdb.* onto the options, with Prometheus defaults', async () => {
    const { sightlineConfigSchema } = await import('../../config/index.js');
    const { tsdbOptionsFromConfig } = await import('./index.js');
    const cfg = sightlineConfigSchema.parse({ metrics: { tsdb: { retention_time: '30d', retention_size: '1GB' } } });
    const o = tsdbOptionsFromConfig(cfg.metrics.tsdb, '/data');
    expect(o).toMatchObject({ dir: '/data/metrics', retentionMs: 30 * 86_400_000, minBlockDurationMs: 7_200_000, outOfOrderWindowMs: 0 });
    expect(o.retentionBytes).toBeGreaterThan(900_000_000);
  });
});

describe('TsdbWalReader across WAL truncation', () => {
  it('skips segments deleted by a checkpoint and still resolves the series of later samples', async () => {
    const db = await openDb(tempDir(), { walSegmentSize: 16 * 1024 });
    const r = db.openWalReader(db.walPosition());
    await ingest(db, 0, 1_000_000, 5000, 4);
    await db.compactHead();
    const walFiles = readdirSync(join(db.opts.dir, 'wal'));
    expect(walFiles.some((n) => n.startsWith('checkpoint.'))).toBe(true);
    expect(walFiles).not.toContain('00000001');
    const times: number[] = [];
    const unknown: number[] = [];
    let n = 0;
    for (;;) {
      const got = r.read(
        () => {},
        (refs, t, _v, k) => {
          for (let i = 0; i < k; i++) {
            if (r.seriesLabels(refs[i]) === undefined) unknown.push(refs[i]);
            times.push(t[i]);
          }
        },
        500,
      );
      if (got === 0) break;
      n += got;
    }
    expect(unknown).toEqual([]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(1600); // the oldest segments were skipped
    expect(Math.max(...times)).toBe(995_000);
  });
});

describe('metadata and exemplars across WAL truncation', () => {
  it('survives in the checkpoint when the segment that recorded it is deleted', async () => {
    const dir = tempDir();
    let db = await openDb(dir, { walSegmentSize: 16 * 1024 });
    const app = db.appender();
    app.updateMetadata(0, L({ __name__: 'requests_total', instance: 'i0', job: 'api' }), { type: 'counter', help: 'All requests.', unit: '' });
    app.appendExemplar(0, L({ __name__: 'requests_total', instance: 'i0', job: 'api' }), { labels: L({ trace_id: 'first' }), value: 1, ts: 0 });
    await app.commit();
    await ingest(db, 0, 1_000_000, 5000, 4);
    const app2 = db.appender();
    app2.appendExemplar(0, L({ __name__: 'requests_total', instance: 'i0', job: 'api' }), { labels: L({ trace_id: 'early' }), value: 1, ts: 990_000 });
    await app2.commit();
    await db.compactHead();
    expect(readdirSync(join(dir, 'wal'))).not.toContain('00000001');
    await db.close();
    db = await openDb(dir);
    expect(db.metadata('requests_total').get('requests_total')).toEqual([{ type: 'counter', help: 'All requests.', unit: '' }]);
    // 'first' was in a deleted segment (kept by the checkpoint); 'early' is in the checkpoint and in a kept
    // segment: each replayed once
    const ex = await db.exemplars([[new Matcher('=', 'instance', 'i0')]], 0, Infinity);
    expect(ex.flatMap((e) => e.exemplars.map((x) => x.labels.get('trace_id')))).toEqual(['first', 'early']);
  });
});

describe('Tsdb directory lock', () => {
  it('refuses a second open of the same directory, and reopens after close on the same registry', async () => {
    const dir = tempDir();
    const registry = new Registry();
    const db = await openDb(dir, { registry });
    await expect(Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 100_000 })).rejects.toThrow(/is in use by this process/);
    await db.close();
    const again = await openDb(dir, { registry });
    expect(await registry.metrics()).toMatch(/prometheus_tsdb_head_series 0/);
    await again.close();
  });
});

describe('Tsdb concurrency', () => {
  it('appends and queries while a compaction is writing blocks lose nothing', async () => {
    const db = await openDb(tempDir());
    const N = 2500; // more than one slice of the block writer, so it yields to the appends below
    const lbl = Array.from({ length: N }, (_, i) => L({ __name__: 'c', i: String(i) }));
    const refs = new Array<number>(N).fill(0);
    const scrape = async (t: number) => {
      const app = db.appender();
      for (let i = 0; i < N; i++) refs[i] = app.append(refs[i], lbl[i], t, t + i);
      await app.commit();
    };
    for (let t = 0; t <= 160_000; t += 10_000) await scrape(t);
    const compaction = db.compactHead();
    let t = 170_000;
    let queried = 0;
    let done = false;
    void compaction.finally(() => (done = true));
    while (!done || t < 250_000) {
      // Ingestion is driven by I/O (scrapes, pushes): let the event loop turn, as it does between requests.
      await new Promise((r) => setImmediate(r));
      await scrape(t);
      t += 10_000;
      const q = await db.querier(0, Infinity);
      const s = await q.select([new Matcher('=', 'i', '7')], { start: 0, end: Infinity });
      expect(s).toHaveLength(1);
      expect(s[0].samples(0, Infinity).length).toBe(t / 10_000);
      q.close();
      queried++;
    }
    await compaction;
    expect(db.blockMetas().length).toBeGreaterThan(0);
    expect(queried).toBeGreaterThan(0);
    const q = await db.querier(0, Infinity);
    const all = await q.select([new Matcher('=', '__name__', 'c')], { start: 0, end: Infinity });
    expect(all).toHaveLength(N);
    for (const s of all) {
      const i = Number(s.labels.get('i'));
      const b = s.samples(0, Infinity);
      expect(b.length).toBe(t / 10_000);
      for (let k = 0; k < b.length; k++) if (b.t[k] !== k * 10_000 || b.v[k] !== k * 10_000 + i) throw new Error(`series ${i} sample ${k}: ${b.t[k]} ${b.v[k]}`);
    }
    q.close();
  });
});

describe('Tsdb querier over head and blocks', () => {
  it('sorts, limits, filters by time range and answers label queries from both', async () => {
    const db = await openDb(tempDir());
    const app = db.appender();
    app.append(0, L({ __name__: 'old', zone: 'a' }), 10_000, 1); // will end up in a block
    await app.commit();
    await ingest(db, 20_000, 400_000, 10_000, 2);
    await db.compactHead();
    expect(db.blockMetas().length).toBeGreaterThan(0);
    const app2 = db.appender();
    app2.append(0, L({ __name__: 'new', zone: 'b' }), 400_000, 1); // head only
    await app2.commit();

    let q = await db.querier(0, 500_000);
    const names = (await q.select([new Matcher('=~', '__name__', 'old|new|temperature')], { start: 0, end: 500_000 }, true)).map((s) => s.labels.toString());
    expect(names).toEqual(['new{zone="b"}', 'old{zone="a"}', 'temperature{instance="i0"}', 'temperature{instance="i1"}']);
    expect((await q.select([new Matcher('=~', '__name__', '.+')], { start: 0, end: 500_000, limit: 2 })).map((s) => s.labels.toString())).toEqual(['new{zone="b"}', 'old{zone="a"}']);
    expect(await q.labelValues('zone', [])).toEqual(['a', 'b']);
    expect(await q.labelValues('__name__', [new Matcher('=~', 'zone', '.+')])).toEqual(['new', 'old']);
    expect(await q.labelNames([new Matcher('=', '__name__', 'old')])).toEqual(['__name__', 'zone']);
    expect(await q.labelNames([], 2)).toEqual(['__name__', 'instance']);
    q.close();
    // a range after the old series' only sample does not return it
    q = await db.querier(300_000, 500_000);
    const inRange = (await q.select([new Matcher('=~', 'zone', '.+')], { start: 300_000, end: 500_000 })).map((s) => s.labels.toString());
    expect(inRange).toEqual(['new{zone="b"}']);
    q.close();
  });
});
