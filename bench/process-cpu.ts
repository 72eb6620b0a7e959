import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * CPU time (user + system, every thread, including threads that have exited) a process has used so far, in
 * seconds, from `/proc/<pid>/stat` (resolution one clock tick, usually 10 ms). Benchmarks on this shared machine
 * compare CPU time rather than wall time.
 */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** User + system time in a `/proc/.../stat` file, in seconds. */
function statCpuSeconds(path: string): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100);
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** As `processCpuSeconds`, for one thread of the process (`tid` = `pid`: its main thread, the event loop). */
export function threadCpuSeconds(pid: number, tid = pid): number {
  return statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
}

/** A process's resident memory now (`VmRSS` of `/proc/<pid>/status`), in bytes. */
export function processRssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** CPU seconds so far of each thread of a process, summed by thread name (`comm`: `node`, `libuv-worker`, V8's helpers…). */
export function cpuByThreadName(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}${tid === String(pid) ? ' (main)' : ''}`;
      out.set(name, (out.get(name) ?? 0) + threadCpuSeconds(pid, Number(tid)));
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds per live thread, keyed `event-loop` for the main thread and `<comm>/<tid>` for the others (Node 20
 * leaves its V8 helpers and libuv pool threads named `node`; native add-ons may name theirs).
 */
export function threadCpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const key = tid === String(pid) ? 'event-loop' : `${name}/${tid}`;
      out.set(key, (out.get(key) ?? 0) + statCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return out;
}
