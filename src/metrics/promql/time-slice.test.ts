import { beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { MemoryStorage } from '../storage-api/index.js';
import { Engine } from './engine.js';
import { PromqlError } from './types.js';

// Queries share the process's event loop with ingest. A heavy query must yield every time slice so timers and
// sockets (remote write, pushes) are served while it runs, and it must stop when cancelled or out of time.

const SERIES = 2000;
const HOUR = 3_600_000;
const storage = new MemoryStorage();
const HEAVY = 'max_over_time(heavy[5m:15s])';

beforeAll(async () => {
  const a = storage.appender();
  for (let i = 0; i < SERIES; i++) {
    const l = Labels.fromObject({ __name__: 'heavy', i: String(i) });
    for (let t = 0; t <= HOUR; t += 15_000) a.append(0, l, t, (t / 1000) * (i % 7));
  }
  await a.commit();
});

/** Runs the query while a 1 ms interval ticks; returns how many ticks happened before the query settled. */
async function ticksDuring(run: () => Promise<unknown>): Promise<{ ticks: number; error: unknown }> {
  let ticks = 0;
  const iv = setInterval(() => ticks++, 1);
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  } finally {
    clearInterval(iv);
  }
  return { ticks, error };
}

describe('PromQL time slicing on the shared event loop', () => {
  it('without slicing a heavy query holds the loop to the end (the baseline this guards against)', async () => {
    const e = new Engine(storage, { timeSliceMs: 0 });
    const r = await ticksDuring(() => e.rangeQuery(HEAVY, 0, HOUR, 15_000));
    expect(r.error).toBeUndefined();
    expect(r.ticks).toBe(0);
  });

  it('with slicing, timers fire while the same query runs and the answer is the same', async () => {
    const sliced = new Engine(storage, { timeSliceMs: 5 });
    const plain = new Engine(storage, { timeSliceMs: 0 });
    let result: unknown;
    const r = await ticksDuring(async () => (result = await sliced.rangeQuery(HEAVY, 0, HOUR, 15_000)));
    expect(r.error).toBeUndefined();
    expect(r.ticks).toBeGreaterThan(1);
    const want = await plain.rangeQuery(HEAVY, 0, HOUR, 15_000);
    expect((result as typeof want).value).toEqual(want.value);
  });

  it('an abort from a timer (client gone) stops evaluation with "canceled"', async () => {
    const e = new Engine(storage, { timeSliceMs: 5 });
    const ac = new AbortController();
    setTimeout(() => ac.abort('canceled'), 5);
    const r = await ticksDuring(() => e.rangeQuery(HEAVY, 0, HOUR, 15_000, { signal: ac.signal }));
    expect(r.error).toBeInstanceOf(PromqlError);
    expect((r.error as PromqlError).type).toBe('canceled');
  });

  it('the deadline stops evaluation with "timeout"', async () => {
    const e = new Engine(storage, { timeSliceMs: 5 });
    const r = await ticksDuring(() => e.rangeQuery(HEAVY, 0, HOUR, 15_000, { timeoutMs: 10 }));
    expect(r.error).toBeInstanceOf(PromqlError);
    expect((r.error as PromqlError).type).toBe('timeout');
  });
});
