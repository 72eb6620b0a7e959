/**
 * The TraceQL worker pool's price in one process: CPU per search (process.cpuUsage, all threads) and the main
 * thread's event-loop active time per search, on the event loop (`traces.query.workers: 0`) against one query
 * worker, in interleaved rounds (ROUNDS rounds of PER_ROUND searches, medians), over 20,000 traces of 10 spans in
 * the head and, after /flush, in a block. Searches through the Tempo API of the traces role in this process.
 */
import { startTracesStack, type TracesStack } from '../test/helpers/traces-stack.js';
import { HEAVY_TRACEQL, seedHeavyTraces } from '../test/helpers/traceql-load.js';
import { measurePoolCost } from './pool-cost.js';

const TRACES = 20_000;
const ROUNDS = 5;
const PER_ROUND = Number(process.env.TRACEQL_POOL_BENCH_PER_ROUND ?? 3);
const QUERIES = [HEAVY_TRACEQL, '{ resource.service.name = "heavy" && span.step = 3 }'];
const nowMs = Date.now();


const startWith = async (workers: number) => {
  const s = await startTracesStack({ config: { traces: { query: { workers, timeout: '10m' }, limits: { ingestion_rate_limit_bytes: '1GB', ingestion_burst_size_bytes: '1GB' } } } });
  await seedHeavyTraces(s.otlpHttp, nowMs, TRACES);
  return s;
};
const stacks = { in_thread: await startWith(0), pool: await startWith(1) };
const both = [stacks.in_thread, stacks.pool];
const search = async (s: TracesStack, q: string) => {
  const r = await fetch(`${s.tempo}/api/search?q=${encodeURIComponent(q)}&start=${Math.floor(nowMs / 1000) - 3600}&end=${Math.floor(nowMs / 1000) + 3600}`);
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
  await r.arrayBuffer();
};
for (const data of ['head', 'block']) {
  if (data === 'block') for (const s of both) await fetch(`${s.tempo}/flush`, { method: 'POST' });
  for (const q of QUERIES) {
    for (const s of both) await search(s, q);
    const cost = await measurePoolCost(stacks, (s) => search(s, q), ROUNDS, PER_ROUND);
    console.log(
      JSON.stringify({
        bench: 'traceql_pool_search_cost',
        data,
        traces: TRACES,
        query: q,
        ...cost,
        rounds: ROUNDS,
        searches_per_round: PER_ROUND,
      }),
    );
  }
}
for (const s of both) await s.stop();
