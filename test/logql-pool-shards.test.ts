/**
 * A query split by stream across the LogQL pool's workers (src/logs/logql/shard.ts): with two workers, a `sum` of an
 * additive range aggregation and a line-filtered log query run as one task per shard and must answer exactly as the
 * same queries on this thread — over streams in chunks and in the head; queries that do not merge, or that a
 * bytes-read limit may stop, run whole.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStore } from '../src/logs/index.js';
import { LogqlPool, type LogqlEngineOptions } from '../src/logs/index.js';
import { Labels } from '../src/model/index.js';
import { openTestLogStore } from './helpers/log-store.js';
import { localAndPooled, logqlAnswer as answer } from './helpers/logql-compare.js';

const T = 1_700_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const LEVELS = ['info', 'warn', 'error', 'debug', 'info'];
const OPTS: LogqlEngineOptions = { maxQuerySeries: () => 500, timeoutMs: () => 60_000 };
const STREAMS = 7;

let store: LogStore;
const registry = new Registry();
const pool = new LogqlPool({ workers: 2, registry });

beforeAll(async () => {
  store = await openTestLogStore('sightline-logql-shards-', 16 << 10);
  // Streams of different sizes, every timestamp distinct across streams; the first half flushed to chunks.
  let k = 0;
  for (const half of [0, 1]) {
    for (let s = 0; s < STREAMS; s++) {
      const [stream] = store.stream('t', Labels.fromObject({ app: 'a', pod: `p${s}`, zone: s % 2 ? 'odd' : 'even' }));
      const n = 300 * (s + 1);
      const ts: bigint[] = [];
      const lines: string[] = [];
      for (let i = 0; i < n; i++, k++) {
        ts.push(ns(T + half * 4_000_000 + i * 1000) + BigInt(s));
        lines.push(`level=${LEVELS[(i + s) % 5]} msg="${i % 97 === 0 ? 'needle' : 'hay'} ${k}" n=${i}`);
      }
      store.write('t', [{ stream, ts, lines }]);
    }
    if (half === 0) await store.flush();
  }
}, 60_000);

afterAll(async () => {
  await pool.close();
  await store.close();
});

async function tasksOk(): Promise<number> {
  const m = (await registry.getSingleMetric('sightline_logql_worker_queries_total')!.get()).values.find((v) => v.labels.outcome === 'ok');
  return m?.value ?? 0;
}

/** Tasks the pool ran for one query. */
async function tasks<R>(f: () => Promise<R>): Promise<{ r: R; tasks: number }> {
  const before = await tasksOk();
  const r = await f();
  return { r, tasks: (await tasksOk()) - before };
}

const engines = (opts = OPTS) => localAndPooled(store, pool, opts);
const range = { tenant: 't', start: ns(T - 60_000), end: ns(T + 10_000_000), stepMs: 60_000 };

describe('LogQL pool: a query split by stream across two workers', () => {
  it('sums of additive range aggregations answer as on this thread, one task per worker', async () => {
    const { local, pooled } = engines();
    for (const query of [
      'sum by (level) (count_over_time({app="a"} | logfmt [1m]))',
      'sum(count_over_time({app="a"} |= "needle" [5m]))',
      'sum without (pod) (bytes_over_time({app="a"}[2m] offset 1m))',
      'sum by (zone) (count_over_time({app="a"} | logfmt | level="error" [1m]))',
    ]) {
      const want = await local.rangeQuery({ ...range, query, limit: 100, direction: 'forward' });
      const got = await tasks(() => pooled.rangeQuery({ ...range, query, limit: 100, direction: 'forward' }));
      expect(got.tasks, query).toBe(2);
      expect(answer(got.r), query).toEqual(answer(want));
      expect(got.r.stats.totalLinesProcessed, query).toBe(want.stats.totalLinesProcessed);
    }
    const at = { tenant: 't', time: ns(T + 5_000_000), limit: 100, direction: 'backward' as const };
    const query = 'sum by (level) (count_over_time({app="a"} | logfmt [2h]))';
    const got = await tasks(() => pooled.instantQuery({ ...at, query }));
    expect(got.tasks).toBe(2);
    expect(answer(got.r)).toEqual(answer(await local.instantQuery({ ...at, query })));
    // rate: the same sums in another order, so equal but for the last bits.
    const rate = 'sum by (zone) (rate({app="a"}[1m]))';
    const [a, b] = [await local.rangeQuery({ ...range, query: rate, limit: 100, direction: 'forward' }), await pooled.rangeQuery({ ...range, query: rate, limit: 100, direction: 'forward' })];
    if (a.resultType !== 'matrix' || b.resultType !== 'matrix') throw new Error('expected matrices');
    expect(b.series.map((s) => s.labels.key())).toEqual(a.series.map((s) => s.labels.key()));
    b.series.forEach((s, i) => s.points.forEach(([t, v], j) => expect([t, v / a.series[i].points[j][1]]).toEqual([a.series[i].points[j][0], expect.closeTo(1, 12)])));
  }, 60_000);

  it('line-filtered log queries keep the best `limit` entries over every shard, in both directions', async () => {
    const { local, pooled } = engines();
    for (const [query, limit, direction] of [
      ['{app="a"} |= "needle"', 1000, 'forward'],
      ['{app="a"} |= "needle"', 7, 'forward'],
      ['{app="a"} |= "needle"', 11, 'backward'],
      ['{app="a"} |= "hay" | logfmt | level="warn"', 500, 'backward'],
    ] as const) {
      const want = await local.rangeQuery({ ...range, query, limit, direction });
      const got = await tasks(() => pooled.rangeQuery({ ...range, query, limit, direction }));
      expect(got.tasks, query).toBe(2);
      expect(answer(got.r), `${query} ${limit} ${direction}`).toEqual(answer(want));
      expect(got.r.stats.totalEntriesReturned).toBe(Math.min(limit, want.stats.totalEntriesReturned));
    }
  }, 60_000);

  it('runs whole what does not merge, what a bytes-read limit may stop, and one stream', async () => {
    const { local, pooled } = engines();
    for (const query of ['avg by (level) (count_over_time({app="a"} | logfmt [1m]))', 'count_over_time({app="a"}[1m])', 'sum(count_over_time({pod="p3"}[1m]))']) {
      const got = await tasks(() => pooled.rangeQuery({ ...range, query, limit: 100, direction: 'forward' }));
      expect(got.tasks, query).toBe(1);
      expect(answer(got.r), query).toEqual(answer(await local.rangeQuery({ ...range, query, limit: 100, direction: 'forward' })));
    }
    const logs = await tasks(() => pooled.rangeQuery({ ...range, query: '{app="a"}', limit: 100, direction: 'backward' }));
    expect(logs.tasks).toBe(1);
    // A limit below what the query reads: the same error as the whole query on this thread.
    const limited = engines({ ...OPTS, maxQueryBytesRead: () => 20_000 });
    const query = 'sum(count_over_time({app="a"}[1m]))';
    const want = await limited.local.rangeQuery({ ...range, query, limit: 100, direction: 'forward' }).catch((e: Error) => e.message);
    expect(want).toMatch(/^the query would read too many bytes/);
    await expect(limited.pooled.rangeQuery({ ...range, query, limit: 100, direction: 'forward' })).rejects.toThrow(want as string);
    // The series limit applies to the merged answer.
    const few = engines({ ...OPTS, maxQuerySeries: () => 3 });
    await expect(few.pooled.rangeQuery({ ...range, query: 'sum by (pod) (count_over_time({app="a"}[1m]))', limit: 100, direction: 'forward' })).rejects.toThrow('maximum of series (3) reached for a single query');
  }, 60_000);
});
