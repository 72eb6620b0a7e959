/**
 * The LogQL worker pool's price in one process, without HTTP: CPU per query (process.cpuUsage, all threads) and the
 * main thread's event-loop active time per query, in-thread engine against the pooled one (one worker), in
 * interleaved rounds (5 rounds of 20 queries, medians), over 120,000 logfmt lines in the head and, in a second
 * store, the same lines flushed to chunks. Queries: a `|=` literal count (LOGQL_POOL_BENCH_QUERIES to change them,
 * separated by `;;`). LOGQL_POOL_BENCH_INSTANT=1 runs them as instant queries at the end of the range, as the Loki
 * ruler evaluates a rule (its windows should then reach back over the data: `[1h]`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogqlEngine, LogqlPool, LogStore, PooledLogqlEngine, type LogqlQueries } from '../src/logs/index.js';
import { Labels } from '../src/model/index.js';
import { FilesystemObjectStore } from '../src/storage/index.js';
import { measurePoolCost } from './pool-cost.js';

const LINES = 120_000;
const ROUNDS = 5;
const PER_ROUND = 20;
const QUERIES = (process.env.LOGQL_POOL_BENCH_QUERIES ?? 'sum(count_over_time({app="heavy"} |= "number 4711" [1h]));;sum by (level) (count_over_time({app="heavy"} | logfmt [1h]))').split(';;');
const nowMs = Date.now();
const INSTANT = process.env.LOGQL_POOL_BENCH_INSTANT === '1';
const opts = { maxQuerySeries: () => 500, timeoutMs: () => 120_000 };

async function openStore(flushed: boolean): Promise<LogStore> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-logql-pool-bench-'));
  const store = await LogStore.open({ walDir: join(dir, 'wal'), objects: new FilesystemObjectStore(join(dir, 'objects')), prefix: 'loki-data', chunkTargetSize: 1536 * 1024, fsyncIntervalMs: 1000, indexPeriodMs: 24 * 3600_000, outOfOrderWindowNs: 3600_000n * 1_000_000n });
  const [stream] = store.stream('fake', Labels.fromObject({ app: 'heavy' }));
  for (let first = 0; first < LINES; first += 10_000) {
    const ts: bigint[] = [];
    const lines: string[] = [];
    for (let i = first; i < first + 10_000; i++) {
      ts.push(BigInt(nowMs - 3_000_000 + Math.floor(i / 100)) * 1_000_000n);
      lines.push(JSON.parse(JSON.stringify(`level=${i % 7 ? 'info' : 'error'} msg="request number ${i} handled fine" user=u${i % 50} duration=${i % 1000}ms path=/api/v1/items/${i}`)) as string);
    }
    store.write('fake', [{ stream, ts, lines }]);
  }
  if (flushed) await store.flush();
  return store;
}

const pool = new LogqlPool({ workers: 1 });
for (const flushed of [false, true]) {
  const store = await openStore(flushed);
  const local = new LogqlEngine(store, opts);
  const engines = { in_thread: local as LogqlQueries, pool: new PooledLogqlEngine(pool, store, local, opts) as LogqlQueries };
  for (const query of QUERIES) {
    const p = { tenant: 'fake', query, start: BigInt(nowMs - 3_600_000) * 1_000_000n, end: BigInt(nowMs + 60_000) * 1_000_000n, stepMs: 60_000, limit: 100, direction: 'backward' as const };
    const run = (e: LogqlQueries) => (INSTANT ? e.instantQuery({ tenant: p.tenant, query, time: p.end, limit: p.limit, direction: p.direction }) : e.rangeQuery(p));
    for (const e of [engines.in_thread, engines.pool]) for (let i = 0; i < 3; i++) await run(e);
    const cost = await measurePoolCost(engines, run, ROUNDS, PER_ROUND);
    console.log(
      JSON.stringify({
        bench: 'logql_pool_query_cost',
        data: flushed ? 'chunks' : 'head',
        lines: LINES,
        query,
        kind: INSTANT ? 'instant' : 'range',
        ...cost,
        rounds: ROUNDS,
        queries_per_round: PER_ROUND,
      }),
    );
  }
  await store.close();
}
await pool.close();
