import { performance } from 'node:perf_hooks';
/** Medians of the in-thread vs pooled cost of one query, per call: process CPU (all threads) and event-loop busy time. */
export interface PoolCost {
  cpu_ms_in_thread: number;
  cpu_ms_pool: number;
  main_thread_active_ms_in_thread: number;
  main_thread_active_ms_pool: number;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Run `call` on each of the two subjects (`in_thread`, `pool`) `perRound` times per round, the subjects taking turns
 * round by round (so the machine's other load falls on both), and give the medians per call.
 */
export async function measurePoolCost<T>(subjects: { in_thread: T; pool: T }, call: (s: T) => Promise<unknown>, rounds: number, perRound: number): Promise<PoolCost> {
  const names = ['in_thread', 'pool'] as const;
  const cpu = { in_thread: [] as number[], pool: [] as number[] };
  const active = { in_thread: [] as number[], pool: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const c0 = process.cpuUsage();
      const e0 = performance.eventLoopUtilization();
      for (let i = 0; i < perRound; i++) await call(subjects[name]);
      const c = process.cpuUsage(c0);
      cpu[name].push((c.user + c.system) / 1000 / perRound);
      active[name].push(performance.eventLoopUtilization(e0).active / perRound);
    }
  }
  return {
    cpu_ms_in_thread: round2(med(cpu.in_thread)),
    cpu_ms_pool: round2(med(cpu.pool)),
    main_thread_active_ms_in_thread: round2(med(active.in_thread)),
    main_thread_active_ms_pool: round2(med(active.pool)),
  };
}
