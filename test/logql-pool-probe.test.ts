/**
 * A query worker skips decoding a stored chunk whose bytes lack the line filter's required literal
 * (`ChunkDecoder.decode` with a probe): answers and bytes-read limits must be exactly those of the same queries on
 * this thread (which decodes every chunk), over chunks with and without the literal and the head.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStore } from '../src/logs/index.js';
import { LogqlPool, type LogqlEngine, type LogqlEngineOptions, type PooledLogqlEngine } from '../src/logs/index.js';
import { Labels } from '../src/model/index.js';
import { openTestLogStore } from './helpers/log-store.js';
import { localAndPooled, logqlAnswer as answer } from './helpers/logql-compare.js';

const T = 1_700_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const OPTS: LogqlEngineOptions = { maxQuerySeries: () => 500, timeoutMs: () => 60_000 };

let store: LogStore;
/** UTF-8 bytes of every line written: what a query reading every chunk and head block counts. */
let totalBytes = 0;
const pool = new LogqlPool({ workers: 1 });

beforeAll(async () => {
  // 4 KiB chunks of ~60-byte lines: the literal only in a few of them (every 400th line), the rest never decoded.
  store = await openTestLogStore('sightline-logql-probe-', 4 << 10);
  let k = 0;
  for (const part of [0, 1]) {
    for (let s = 0; s < 3; s++) {
      const [stream] = store.stream('t', Labels.fromObject({ app: 'a', pod: `p${s}` }));
      const ts: bigint[] = [];
      const lines: string[] = [];
      for (let i = 0; i < 1500; i++, k++) {
        ts.push(ns(T + part * 3_000_000 + i * 1000) + BigInt(s));
        lines.push(`level=${i % 3 ? 'info' : 'warn'} msg="${k % 400 === 7 ? 'needle' : 'hay'} ${k}" ü=${i % 9}`);
        totalBytes += Buffer.byteLength(lines[i]);
      }
      store.write('t', [{ stream, ts, lines }]);
    }
    if (part === 0) await store.flush();
  }
}, 60_000);

afterAll(async () => {
  await pool.close();
  await store.close();
});

const engines = (opts = OPTS) => localAndPooled(store, pool, opts);
const range = { tenant: 't', start: ns(T - 60_000), end: ns(T + 10_000_000), stepMs: 60_000 };

describe('LogQL pool: stored chunks without the required literal are not decoded', () => {
  it('answers as this thread does, in both directions, for log and metric queries', async () => {
    const { local, pooled } = engines();
    for (const [query, limit, direction] of [
      ['{app="a"} |= "needle"', 1000, 'forward'],
      ['{app="a"} |= "needle"', 3, 'backward'],
      ['{app="a"} |= "needle" |= "7"', 1000, 'forward'],
      ['{app="a"} |= "absent"', 1000, 'forward'],
      ['{app="a"} |= "ü=3" | logfmt | level="warn"', 50, 'backward'],
      ['sum by (pod) (count_over_time({app="a"} |= "needle" [5m]))', 100, 'forward'],
      ['sum(bytes_over_time({app="a"} |= "needle" [5m]))', 100, 'forward'],
    ] as const) {
      const want = answer(await local.rangeQuery({ ...range, query, limit, direction }));
      expect(answer(await pooled.rangeQuery({ ...range, query, limit, direction })), query).toEqual(want);
    }
    const found = await pooled.rangeQuery({ ...range, query: '{app="a"} |= "needle"', limit: 1000, direction: 'forward' });
    expect(found.resultType === 'streams' && found.streams.reduce((a, s) => a + s.lines.length, 0)).toBe(23);
  });

  it('counts the skipped chunks\' bytes against the bytes-read limits as this thread does, to the byte', async () => {
    for (const limit of [100, totalBytes - 1, totalBytes]) {
      const { local, pooled } = engines({ ...OPTS, maxQueryBytesRead: () => limit });
      const run = (e: LogqlEngine | PooledLogqlEngine) =>
        e.rangeQuery({ ...range, query: 'sum(count_over_time({app="a"} |= "absent" [5m]))', limit: 100, direction: 'forward' }).then(
          (r) => answer(r),
          (e: Error) => e.message,
        );
      const want = await run(local);
      expect(await run(pooled), String(limit)).toEqual(want);
      if (limit < totalBytes) expect(want).toMatch(/^the query would read too many bytes/);
      else expect(want).toEqual([]);
    }
  });
});
