/**
 * A LogQL worker hands the engine a large head block in slices (so that a cancel gets in between them): the answers
 * over one head block of 10,000 lines — more than one slice — must be those of the same queries on this thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStore} from '../src/logs/index.js';
import { LogqlEngine, LogqlPool, PooledLogqlEngine, type LogqlEngineOptions, type LogqlResult } from '../src/logs/index.js';
import { Labels } from '../src/model/index.js';
import { openTestLogStore } from './helpers/log-store.js';

const T = 1_700_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const N = 10_000;
const LEVELS = ['info', 'warn', 'error', 'debug'];
const OPTS: LogqlEngineOptions = { maxQuerySeries: () => 500, timeoutMs: () => 60_000 };

let store: LogStore;
const pool = new LogqlPool({ workers: 1 });

beforeAll(async () => {
  store = await openTestLogStore('sightline-logql-slices-', 64 << 20);
  const [stream] = store.stream('t', Labels.fromObject({ app: 'bulk' }));
  const ts = Array.from({ length: N }, (_, i) => ns(T + i * 5));
  const lines = Array.from({ length: N }, (_, i) => `level=${LEVELS[i % 4]} msg="line ${i}" n=${i}`);
  store.write('t', [{ stream, ts, lines }]);
}, 60_000);

afterAll(async () => {
  await pool.close();
  await store.close();
});

const engines = () => {
  const local = new LogqlEngine(store, OPTS);
  return { local, pooled: new PooledLogqlEngine(pool, store, local, OPTS) };
};

function flat(r: LogqlResult): string[] {
  if (r.resultType !== 'streams') throw new Error(`expected streams, got ${r.resultType}`);
  return r.streams.flatMap((s) => s.lines);
}

describe('LogQL worker: a head block larger than a slice', () => {
  it('log queries (both directions, limits) and metric queries answer as on this thread', async () => {
    const { local, pooled } = engines();
    const range = { tenant: 't', start: ns(T), end: ns(T + N * 5), stepMs: 10_000 };
    for (const [query, limit, direction] of [
      ['{app="bulk"}', N, 'forward'],
      ['{app="bulk"}', 5_000, 'backward'],
      ['{app="bulk"} | logfmt | level="error"', N, 'forward'],
      ['{app="bulk"} | logfmt | n > 9000', 50, 'backward'],
    ] as const) {
      const a = flat(await local.rangeQuery({ ...range, query, limit, direction }));
      const b = flat(await pooled.rangeQuery({ ...range, query, limit, direction }));
      expect(b).toEqual(a);
    }
    expect(flat(await pooled.rangeQuery({ ...range, query: '{app="bulk"}', limit: N, direction: 'forward' }))).toHaveLength(N);
    expect(flat(await pooled.rangeQuery({ ...range, query: '{app="bulk"} | logfmt | level="error"', limit: N, direction: 'forward' }))).toHaveLength(N / 4);

    const at = { tenant: 't', time: ns(T + N * 5), limit: 100, direction: 'backward' as const };
    const query = 'sum by (level) (count_over_time({app="bulk"} | logfmt [1h]))';
    const byLevel = (r: LogqlResult) => {
      if (r.resultType !== 'vector') throw new Error(`expected a vector, got ${r.resultType}`);
      return Object.fromEntries(r.samples.map((s) => [s.labels.get('level'), s.value]));
    };
    const pooledAnswer = byLevel(await pooled.instantQuery({ ...at, query }));
    expect(pooledAnswer).toEqual(byLevel(await local.instantQuery({ ...at, query })));
    expect(pooledAnswer).toEqual({ info: N / 4, warn: N / 4, error: N / 4, debug: N / 4 });
    expect(pool.workers).toBe(1);
  }, 60_000);
});
