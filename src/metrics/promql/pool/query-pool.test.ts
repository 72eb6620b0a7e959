import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloatHistogram, Labels } from '../../../model/index.js';
import { MemoryStorage } from '../../storage-api/index.js';
import { Engine } from '../engine.js';
import { PromqlError, type QueryResult } from '../types.js';
import { PooledEngine } from './pooled-engine.js';
import { QueryPool, type QueryPoolOptions } from './query-pool.js';

// Queries evaluated in worker threads: the main thread (storage, ingest, every listener) stays free while they run,
// and a canceled query stops — at its next yield, or by the end of its worker when it does not yield.

const SERIES = 2000;
const HOUR = 3_600_000;
const storage = new MemoryStorage();
/** A quantile over 240 points at each of 240 steps of 2,000 series: seconds of evaluation. */
const HEAVY = 'quantile_over_time(0.5, heavy[1h:15s])';

/** A result with labels as text and columns as arrays, without stats (timings). */
function plain(r: QueryResult): unknown {
  const { stats: _stats, ...rest } = r;
  return JSON.parse(JSON.stringify(rest, (_k, v: unknown) => (v instanceof Labels ? v.toString() : ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));
}

const exits: string[] = [];
const pool = new QueryPool({ workers: 1, cancelGraceMs: 250, onWorkerExit: (r) => exits.push(r) });

beforeAll(async () => {
  const a = storage.appender();
  for (let i = 0; i < SERIES; i++) {
    const l = Labels.fromObject({ __name__: 'heavy', i: String(i) });
    for (let t = 0; t <= HOUR; t += 15_000) a.append(0, l, t, (t / 1000) * (i % 7));
  }
  const h = new FloatHistogram();
  h.count = 3;
  h.sum = 4.5;
  h.pos = [1, 2];
  a.appendHistogram!(0, Labels.fromObject({ __name__: 'hist' }), 0, h);
  await a.commit();
  // Start the worker (module loading is not what these tests measure).
  await new PooledEngine(pool, storage).instantQuery('1', 0);
}, 60_000);

afterAll(() => pool.close());

/** Runs `run` while a 1 ms interval ticks; how many ticks happened before it settled, and how it settled. */
async function ticksDuring(run: () => Promise<unknown>): Promise<{ ticks: number; error: unknown; value: unknown }> {
  let ticks = 0;
  const iv = setInterval(() => ticks++, 1);
  try {
    const value = await run();
    return { ticks, value, error: undefined };
  } catch (e) {
    return { ticks, error: e, value: undefined };
  } finally {
    clearInterval(iv);
  }
}

/** Runs `run` with a pool of its own (`opts`), closed afterwards. */
async function withPool(opts: QueryPoolOptions, run: (p: QueryPool) => Promise<void>): Promise<void> {
  const own = new QueryPool(opts);
  try {
    await run(own);
  } finally {
    await own.close();
  }
}

describe('PromQL query pool', () => {
  it('answers like the in-thread engine, histograms and labels included', async () => {
    const pooled = new PooledEngine(pool, storage);
    const local = new Engine(storage);
    for (const q of ['sum by (i) (heavy{i=~"1.?"})', 'hist', 'histogram_count(hist)', 'heavy{i="3"}[1m]', 'topk(2, heavy)']) {
      expect(plain(await pooled.instantQuery(q, HOUR)), q).toEqual(plain(await local.instantQuery(q, HOUR)));
    }
    const range = 'rate(heavy{i=~"5|6"}[5m])';
    expect(plain(await pooled.rangeQuery(range, 0, HOUR, 60_000))).toEqual(plain(await local.rangeQuery(range, 0, HOUR, 60_000)));
  });

  it('keeps the main thread free while a query that never yields runs, and ends its worker when it is canceled', async () => {
    // timeSliceMs 0: the worker's evaluation never yields, so only terminating the worker can stop it.
    const stubborn = new PooledEngine(pool, storage, { timeSliceMs: 0 });
    const normal = new PooledEngine(pool, storage);
    const ac = new AbortController();
    const before = exits.length;
    const started = performance.now();
    const heavy = ticksDuring(() => stubborn.rangeQuery(HEAVY, 0, HOUR, 15_000, { signal: ac.signal }));
    // A query behind it on the same (only) worker: started again on the replacement worker.
    const other = normal.instantQuery('heavy{i="3"}', HOUR);
    // Well after its one select (tens of ms) and well before its end (seconds): the worker is in evaluation.
    setTimeout(() => ac.abort('canceled'), 1000);
    const r = await heavy;
    expect(r.error).toBeInstanceOf(PromqlError);
    expect((r.error as PromqlError).type).toBe('canceled');
    // The main thread ran its timers throughout (in-thread, such a query runs with zero ticks).
    expect(r.ticks).toBeGreaterThan(50);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(exits.slice(before)).toEqual([expect.stringContaining('did not stop within 250 ms')]);
    const o = await other;
    expect((plain(o) as { value: unknown }).value).toEqual({ type: 'vector', samples: [{ labels: 'heavy{i="3"}', t: HOUR, v: 3 * 3600 }] });
  }, 60_000);

  it('stops a yielding query at its next yield when canceled, without ending the worker', async () => {
    const engine = new PooledEngine(pool, storage);
    await engine.instantQuery('1', 0);
    const before = exits.length;
    const ac = new AbortController();
    setTimeout(() => ac.abort('canceled'), 300);
    const r = await ticksDuring(() => engine.rangeQuery(HEAVY, 0, HOUR, 15_000, { signal: ac.signal }));
    expect((r.error as PromqlError).type).toBe('canceled');
    expect(exits.length).toBe(before);
    expect((await engine.instantQuery('vector(1)', 0)).value.type).toBe('vector');
  }, 60_000);

  it('stops a query at its timeout', async () => {
    const engine = new PooledEngine(pool, storage);
    const r = await ticksDuring(() => engine.rangeQuery(HEAVY, 0, HOUR, 15_000, { timeoutMs: 200 }));
    expect((r.error as PromqlError).type).toBe('timeout');
    expect((r.error as PromqlError).message).toBe('query timed out in expression evaluation');
  }, 60_000);

  it('a query past the worker heap limit fails with 422 execution; the worker is replaced and the next query answers', async () => {
    const small: string[] = [];
    await withPool({ workers: 1, maxWorkerHeapMb: 48, onWorkerExit: (r) => small.push(r) }, async (limited) => {
      const engine = new PooledEngine(limited, storage);
      expect((await engine.instantQuery('count(heavy)', HOUR)).value).toMatchObject({ type: 'vector', samples: [{ v: SERIES }] });
      // A label of ~24 KB on each of 2,000 series: ~100 MB of strings on the heap (sample columns are ArrayBuffers,
      // outside the V8 heap the limit bounds), more than the 48 MiB the worker may hold.
      const err = await engine.instantQuery(`label_join(heavy, "big", "-"${', "i"'.repeat(6000)})`, HOUR).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PromqlError);
      expect(err).toMatchObject({ type: 'execution', message: expect.stringContaining('heap limit 48 MiB') });
      expect(small).toEqual([expect.stringContaining('out of memory')]);
      // Not started again on another worker: one worker ended.
      expect(limited.workers).toBe(0);
      expect((await engine.instantQuery('count(heavy)', HOUR)).value).toMatchObject({ type: 'vector', samples: [{ v: SERIES }] });
      expect(limited.workers).toBe(1);
    });
  }, 60_000);

  it('starts no worker before the first query, and a short timeout does not count the worker\'s start', async () => {
    // A worker's start (module loading: about a second from source) is longer than this query's timeout and the
    // grace together; the backstop runs from when the worker is ready, so the first query answers.
    await withPool({ workers: 1, cancelGraceMs: 300 }, async (cold) => {
      expect(cold.workers).toBe(0);
      const r = await new PooledEngine(cold, storage).instantQuery('count(heavy{i="3"})', HOUR, { timeoutMs: 300 });
      expect(r.value).toMatchObject({ type: 'vector', samples: [{ v: 1 }] });
      expect(cold.workers).toBe(1);
    });
  }, 60_000);

  it('retires a worker that stayed idle (its heap goes back) and starts one again for the next query', async () => {
    const retired: string[] = [];
    await withPool({ workers: 1, idleRetireMs: 300, onWorkerExit: (r) => retired.push(r) }, async (idle) => {
      const engine = new PooledEngine(idle, storage);
      expect((await engine.instantQuery('count(heavy{i="3"})', HOUR)).value).toMatchObject({ type: 'vector', samples: [{ v: 1 }] });
      expect(idle.workers).toBe(1);
      // Busy: queries closer together than the idle time keep the worker.
      await new Promise((r) => setTimeout(r, 100));
      await engine.instantQuery('count(heavy{i="4"})', HOUR);
      expect(idle.workers).toBe(1);
      const deadline = Date.now() + 20_000;
      while (idle.workers > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(idle.workers).toBe(0);
      expect((await engine.instantQuery('count(heavy{i="5"})', HOUR)).value).toMatchObject({ type: 'vector', samples: [{ v: 1 }] });
      expect(idle.workers).toBe(1);
      // A retirement is not a worker failure: nothing for the log.
      expect(retired).toEqual([]);
    });
  }, 60_000);

  it('passes parse and execution errors through with their type and message', async () => {
    const engine = new PooledEngine(pool, storage);
    await expect(engine.instantQuery('sum(', 0)).rejects.toMatchObject({ type: 'bad_data', message: expect.stringContaining('unclosed left parenthesis') });
    await expect(engine.instantQuery('heavy{i=~"(a)\\\\1"}', 0)).rejects.toMatchObject({ type: 'bad_data', message: expect.stringContaining('invalid escape sequence') });
    await expect(engine.rangeQuery('heavy', 10, 0, 1)).rejects.toMatchObject({ type: 'bad_data', message: 'end timestamp must not be before start time' });
  });
});
