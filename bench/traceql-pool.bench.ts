/**
 * The TraceQL worker pool's price in one process: CPU per search (process.cpuUsage, all threads) and the main
 * thread's event-loop active time per search, on the event loop (`traces.query.workers: 0`) against one query
 * worker, in interleaved rounds (ROUNDS rounds of PER_ROUND searches, medians), over 20,000 traces of 10 spans in
 * the head and, after /flush, in a block. Searches through the Tempo API of the traces role in this process.
 */
import { performance } from 'node:perf_hooks';
import { startTracesStack, type TracesStack } from '../test/helpers/traces-stack.js';
import { HEAVY_TRACEQL, seedHeavyTraces } from '../test/helpers/traceql-load.js';

const TRACES = 20_000;
const ROUNDS = 5;
const PER_ROUND = Number(process.env.TRACEQL_POOL_BENCH_PER_ROUND ?? 3);
const QUERIES = [HEAVY_TRACEQL, '{ resource.service.name = "heavy" && span.step = 3 }'];
const nowMs = Date.now();

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Math.round(x * 100) / 100;

const stacks: [string, TracesStack][] = [];
for (const workers of [0, 1]) {
  const s = await startTracesStack({ config: { traces: { query: { workers, timeout: '10m' }, limits: { ingestion_rate_limit_bytes: '1GB', ingestion_burst_size_bytes: '1GB' } } } });
  await seedHeavyTraces(s.otlpHttp, nowMs, TRACES);
  stacks.push([workers ? 'pool' : 'in_thread', s]);
}
const search = async (s: TracesStack, q: string) => {
  const r = await fetch(`${s.tempo}/api/search?q=${encodeURIComponent(q)}&start=${Math.floor(nowMs / 1000) - 3600}&end=${Math.floor(nowMs / 1000) + 3600}`);
  if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
  await r.arrayBuffer();
};
for (const data of ['head', 'block']) {
  if (data === 'block') for (const [, s] of stacks) await fetch(`${s.tempo}/flush`, { method: 'POST' });
  for (const q of QUERIES) {
    for (const [, s] of stacks) await search(s, q);
    const cpu: Record<string, number[]> = { in_thread: [], pool: [] };
    const active: Record<string, number[]> = { in_thread: [], pool: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, s] of stacks) {
        const c0 = process.cpuUsage();
        const e0 = performance.eventLoopUtilization();
        for (let i = 0; i < PER_ROUND; i++) await search(s, q);
        const c = process.cpuUsage(c0);
        cpu[name].push((c.user + c.system) / 1000 / PER_ROUND);
        active[name].push(performance.eventLoopUtilization(e0).active / PER_ROUND);
      }
    }
    console.log(
      JSON.stringify({
        bench: 'traceql_pool_search_cost',
        data,
        traces: TRACES,
        query: q,
        cpu_ms_in_thread: round2(med(cpu.in_thread)),
        cpu_ms_pool: round2(med(cpu.pool)),
        main_thread_active_ms_in_thread: round2(med(active.in_thread)),
        main_thread_active_ms_pool: round2(med(active.pool)),
        rounds: ROUNDS,
        searches_per_round: PER_ROUND,
      }),
    );
  }
}
for (const [, s] of stacks) await s.stop();
