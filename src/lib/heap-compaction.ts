import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let forceGc: (() => void) | undefined | null = null;

/** The runtime's full garbage collection (`--expose-gc`, else enabled at run time), as Go's `runtime.GC()`. */
export function fullGc(): (() => void) | undefined {
  if (forceGc === null) {
    forceGc = (globalThis as { gc?: () => void }).gc;
    if (!forceGc) {
      try {
        setFlagsFromString('--expose-gc');
        forceGc = runInNewContext('gc') as () => void;
      } catch {
        forceGc = undefined;
      }
    }
  }
  return forceGc;
}

/**
 * One full garbage collection that compacts every page of the old generation (V8's `--compact-on-every-full-gc`,
 * set for this one collection), so the pages a burst of allocation left partly used are given back to the system.
 * A plain full collection frees the garbage but keeps those pages committed: an agent that read 1000 files at start
 * keeps ~30 MB of old space for ~16 MB of live objects until a compaction (docs/agent.md, Figures). Returns whether
 * it ran.
 */
export function compactHeap(): boolean {
  const gc = fullGc();
  if (!gc) return false;
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return true;
}

export interface IdleCompactionOptions {
  /** How often the process's CPU time and heap are looked at. */
  intervalMs?: number;
  /** The process counts as idle when it used less than this share of one core over the last interval. */
  maxCpuShare?: number;
  /** Compact once the V8 heap and ArrayBuffers grew this much since the last compaction (or since this call). */
  growthBytes?: number;
  /** Called just before a compaction: drop what is kept only for reuse (buffer pools), so it is freed with it. */
  beforeCompact?: () => void;
  /** Called after each compaction (for logs and tests): memory before and after, in bytes. */
  onCompacted?: (before: number, after: number) => void;
}

/** The memory a compaction can give back: the V8 heap's committed size and the ArrayBuffers it owns. */
function heapFootprint(): number {
  return getHeapStatistics().total_heap_size + process.memoryUsage().arrayBuffers;
}

/**
 * For a long-running process that works in bursts and idles between them (the log agent on a node): once a burst
 * grew the heap by `growthBytes` and the process then stays idle for an interval, compact the heap once. V8's own
 * memory reducer never runs in such a process, since the agent's 250 ms polls keep calling into JavaScript, so the
 * start-up burst's pages stay committed for the process's life. The timer is unref'd; `stop()` ends it. Call
 * `compactHeap()` first to give back a start-up burst that is over (this starts from the heap as it is).
 */
export function startIdleHeapCompaction(opts: IdleCompactionOptions = {}): { stop(): void } {
  const intervalMs = opts.intervalMs ?? 5000;
  const maxCpuShare = opts.maxCpuShare ?? 0.1;
  const growth = opts.growthBytes ?? 4 * 1024 * 1024;
  let baseline = heapFootprint();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const busy = (used.user + used.system) / 1000 > intervalMs * maxCpuShare;
    if (busy) return;
    const before = heapFootprint();
    if (before < baseline + growth) return;
    opts.beforeCompact?.();
    if (!compactHeap()) {
      clearInterval(timer);
      return;
    }
    baseline = heapFootprint();
    cpu = process.cpuUsage();
    opts.onCompacted?.(before, baseline);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
