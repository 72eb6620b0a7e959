import { describe, expect, it } from 'vitest';
import { Labels, Matcher } from '../../model/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { tsdbOpener } from '../../../test/helpers/tsdb.js';
import type { Tsdb } from './index.js';

// A batch of many new series is committed in slices (the event loop runs in between); commits and tombstones that
// arrive meanwhile wait for it, so the head applies everything in the order the WAL replays it.

const { openDb, forget } = tsdbOpener();
const SERIES = 60_000;

/** A started (not awaited) commit of one sample for each of `SERIES` new series, plus `x` at `xt`. */
function bigCommit(db: Tsdb, prefix: string, xt: number): Promise<void> {
  const app = db.appender();
  for (let i = 0; i < SERIES; i++) app.append(0, Labels.fromObject({ __name__: `${prefix}_${i}` }), 1000, i);
  app.append(0, Labels.fromObject({ __name__: 'x' }), xt, xt);
  return app.commit();
}

async function samplesOf(db: Tsdb, name: string): Promise<number[]> {
  const q = await db.querier(0, Infinity);
  const out: number[] = [];
  for (const s of await q.select([new Matcher('=', '__name__', name)], { start: 0, end: Infinity })) {
    const b = s.samples(0, Infinity);
    for (let i = 0; i < b.length; i++) out.push(b.t[i]);
  }
  q.close();
  return out;
}

describe('sliced commit', () => {
  it('lets timers run while a large batch commits, and the batch survives a restart', async () => {
    const dir = tempDir();
    const db = await openDb(dir);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await bigCommit(db, 'big', 2000);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(db.head.numSeries).toBe(SERIES + 1);
    await db.close();
    forget();
    const again = await openDb(dir);
    expect(again.head.numSeries).toBe(SERIES + 1);
    expect(await samplesOf(again, 'big_59999')).toEqual([1000]);
  });

  it('queues a small commit behind an in-flight sliced one: applied and replayed in the same order', async () => {
    const dir = tempDir();
    const db = await openDb(dir);
    const order: string[] = [];
    const big = bigCommit(db, 'big', 2000).then(() => order.push('big'));
    // Validated against the committed head (x has no sample yet), committed while the big batch is in flight.
    const small = db.appender();
    small.append(0, Labels.fromObject({ __name__: 'x' }), 3000, 3000);
    const smallDone = small.commit().then(() => order.push('small'));
    await Promise.all([big, smallDone]);
    expect(order).toEqual(['big', 'small']);
    expect(await samplesOf(db, 'x')).toEqual([2000, 3000]);
    await db.close();
    forget();
    const again = await openDb(dir);
    expect(await samplesOf(again, 'x')).toEqual([2000, 3000]);
  });

  it('runs a deletion that arrives during a sliced commit after it, as the WAL replays it', async () => {
    const dir = tempDir();
    const db = await openDb(dir);
    const big = bigCommit(db, 'big', 2000);
    const del = db.deleteSeries([new Matcher('=', '__name__', 'x')], 0, 10_000);
    await Promise.all([big, del]);
    expect(await samplesOf(db, 'x')).toEqual([]);
    await db.close();
    forget();
    const again = await openDb(dir);
    expect(await samplesOf(again, 'x')).toEqual([]);
  });
});
