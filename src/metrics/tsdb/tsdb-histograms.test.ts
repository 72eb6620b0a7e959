import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FloatHistogram, Labels, Matcher, STALE_NAN, isStaleNaN } from '../../model/index.js';
import { AppendError } from '../storage-api/interface.js';
import { tempDir } from '../../../test/helpers/process.js';
import { counterHist } from '../../../test/helpers/histogram-samples.js';
import { tsdbOpener } from '../../../test/helpers/tsdb.js';
import type { Tsdb } from './index.js';

const { openDb, forget } = tsdbOpener();

function gaugeHist(k: number): FloatHistogram {
  const h = new FloatHistogram();
  h.schema = 0;
  h.pOff = k % 3;
  h.pos = [0.25 * k, 3];
  h.count = 0.25 * k + 3;
  h.sum = -k;
  h.hint = 'gauge';
  return h;
}

const L = (o: Record<string, string>) => Labels.fromObject(o);
const INT = L({ __name__: 'h_int', job: 'x' });
const FLT = L({ __name__: 'h_float', job: 'x' });
const GAUGE = L({ __name__: 'h_gauge', job: 'x' });
const MIXED = L({ __name__: 'mixed', job: 'x' });

async function ingest(db: Tsdb, from: number, to: number): Promise<void> {
  for (let k = from; k < to; k++) {
    const app = db.appender();
    const t = k * 10_000;
    app.appendHistogram!(0, INT, t, counterHist(k));
    app.appendHistogram!(0, FLT, t, counterHist(k, true));
    app.appendHistogram!(0, GAUGE, t, gaugeHist(k));
    if (k < 4 || k >= 10) app.append(0, MIXED, t, k);
    else app.appendHistogram!(0, MIXED, t, counterHist(k));
    await app.commit();
  }
}

/** Every series as rows [t, float value | histogram text | 'stale'], hints included. */
async function dump(db: Tsdb): Promise<Record<string, [number, string][]>> {
  const q = await db.querier(-Infinity, Infinity);
  const out: Record<string, [number, string][]> = {};
  for (const s of await q.select([new Matcher('=~', '__name__', '.+')], { start: 0, end: 1e12 }, true)) {
    const b = s.samples(-Infinity, Infinity);
    const rows: [number, string][] = [];
    for (let i = 0; i < b.length; i++) {
      const h = b.h?.[i];
      rows.push([b.t[i], h ? h.toString() : isStaleNaN(b.v[i]) ? 'stale' : String(b.v[i])]);
    }
    out[s.labels.toString()] = rows;
  }
  q.close();
  return out;
}

function withHint(h: FloatHistogram, hint: FloatHistogram['hint']): string {
  h.hint = hint;
  return h.compact().toString();
}

/** `range`: the block range; chunks are cut at its multiples. */
function expected(to: number, range: number): Record<string, [number, string][]> {
  const rows = (f: (k: number) => string): [number, string][] => Array.from({ length: to }, (_, k) => [k * 10_000, f(k)]);
  // Hints as chunks give them back: the first sample of a chunk 'unknown' (or 'reset' after a reset), later ones 'not_reset'.
  const hint = (k: number) => (k === 8 ? 'reset' : k === 0 || (k * 10_000) % range === 0 ? 'unknown' : 'not_reset');
  return {
    [FLT.toString()]: rows((k) => withHint(counterHist(k, true), hint(k))),
    [GAUGE.toString()]: rows((k) => gaugeHist(k).compact().toString()),
    [INT.toString()]: rows((k) => withHint(counterHist(k), hint(k))),
    [MIXED.toString()]: rows((k) => (k < 4 || k >= 10 ? String(k) : withHint(counterHist(k), k === 4 ? 'unknown' : hint(k)))),
  };
}

describe('native histograms in the TSDB', () => {
  it('stores integer, float and gauge histograms in the head and returns them to queries', async () => {
    const db = await openDb(tempDir());
    await ingest(db, 0, 12);
    expect(await dump(db)).toEqual(expected(12, 100_000));
  });

  it('replays them from the WAL, and keeps them through head compaction into a block', async () => {
    const dir = tempDir();
    let db = await openDb(dir, { minBlockDurationMs: 40_000 });
    await ingest(db, 0, 12);
    await db.close();
    forget();
    db = await openDb(dir, { minBlockDurationMs: 40_000 });
    expect(await dump(db)).toEqual(expected(12, 40_000));
    await db.compactHead();
    expect(db.blockMetas().length).toBeGreaterThan(0);
    expect(await dump(db)).toEqual(expected(12, 40_000));
    await db.close();
    forget();
    db = await openDb(dir, { minBlockDurationMs: 40_000 });
    // The head now starts at the reset (k = 8): replayed without its predecessor, its chunk says 'unknown', as
    // Prometheus's replay does; the blocks keep their chunks' headers.
    const after = expected(12, 40_000);
    for (const k of [INT, FLT, MIXED]) after[k.toString()][8][1] = after[k.toString()][8][1].replace(' counter_reset_hint:reset', '');
    expect(await dump(db)).toEqual(after);
  });

  it('keeps histogram chunks as histogram chunks when blocks are merged, and a reset inside a clipped chunk', async () => {
    const dir = tempDir();
    let db = await openDb(dir, { minBlockDurationMs: 7200_000 });
    await ingest(db, 0, 12);
    await db.close();
    forget();
    // A 20 s block range: the replayed head (one chunk per series, the reset at k = 8 inside it) is cut into
    // blocks, which are then merged into a 60 s block (the merge copies chunks as they are).
    db = await openDb(dir, { minBlockDurationMs: 20_000 });
    await db.compactHead();
    expect(db.blockMetas().some((m) => m.compaction.level > 1)).toBe(true);
    const counts = (rows: [number, string][]) => rows.map(([t, h]) => [t, /count:([^,]+)/.exec(h)?.[1] ?? h]);
    const got = await dump(db);
    const want = expected(12, 20_000);
    for (const k of Object.keys(want)) expect(counts(got[k]), k).toEqual(counts(want[k]));
  });

  it('refuses out-of-order and conflicting histograms, ignores an identical repeat, counts type="histogram"', async () => {
    const registry = new Registry();
    const db = await openDb(tempDir(), { registry });
    let app = db.appender();
    app.appendHistogram!(0, INT, 20_000, counterHist(2));
    await app.commit();
    app = db.appender();
    expect(() => app.appendHistogram!(0, INT, 10_000, counterHist(1))).toThrow(new AppendError('out_of_order', 'out of order sample'));
    expect(() => app.appendHistogram!(0, INT, 20_000, counterHist(3))).toThrow(new AppendError('duplicate_sample', 'duplicate sample for timestamp'));
    app.appendHistogram!(0, INT, 20_000, counterHist(2));
    const stale = new FloatHistogram();
    stale.sum = STALE_NAN;
    app.appendHistogram!(0, INT, 30_000, stale);
    await app.commit();
    const text = await registry.metrics();
    expect(text).toMatch(/prometheus_tsdb_head_samples_appended_total\{type="histogram"\} 2/);
    expect(text).toMatch(/prometheus_tsdb_out_of_order_samples_total\{type="histogram"\} 1/);
    const rows = (await dump(db))[INT.toString()];
    expect(rows.map((r) => r[0])).toEqual([20_000, 30_000]);
    expect(rows[1][1]).toBe('stale');
  });
});
