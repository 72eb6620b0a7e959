import { totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { fullGc } from '../../lib/heap-compaction.js';
import { countItems } from '../../otlp/index.js';
import type { ProcessorFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { retryableError } from '../pipeline/consumer.js';

const schema = z
  .strictObject({
    check_interval: goDurationMs,
    limit_mib: z.number().int().nonnegative().default(0),
    spike_limit_mib: z.number().int().nonnegative().default(0),
    limit_percentage: z.number().int().min(0).max(100).default(0),
    spike_limit_percentage: z.number().int().min(0).max(100).default(0),
    min_gc_interval_when_soft_limited: goDurationMs.default(10_000),
    min_gc_interval_when_hard_limited: goDurationMs.default(0),
  })
  .superRefine((c, ctx) => {
    if (c.check_interval <= 0) ctx.addIssue({ code: 'custom', path: ['check_interval'], message: 'checkInterval must be greater than zero' });
    if (c.limit_mib === 0 && c.limit_percentage === 0) ctx.addIssue({ code: 'custom', message: 'memLimitMiB or memLimitPercentage must be greater than zero' });
    if (c.limit_mib > 0 && c.spike_limit_mib >= c.limit_mib) ctx.addIssue({ code: 'custom', path: ['spike_limit_mib'], message: 'memSpikeLimitMiB must be smaller than memLimitMiB' });
  });

/** The memory available to this process: the cgroup limit when there is one, else the machine's memory. */
export function availableMemory(): number {
  for (const f of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = readFileSync(f, 'utf8').trim();
      const n = Number(v);
      if (v !== 'max' && Number.isFinite(n) && n > 0 && n < totalmem()) return n;
    } catch {
      // not in a cgroup with a limit
    }
  }
  return totalmem();
}

/** The hard and soft limits in bytes, as the Collector computes them (spike default: 20% of the limit). */
export function memoryLimits(c: Pick<z.output<typeof schema>, 'limit_mib' | 'spike_limit_mib' | 'limit_percentage' | 'spike_limit_percentage'> & { check_interval?: number }, total = availableMemory()): { hard: number; soft: number } {
  const MiB = 1024 * 1024;
  const hard = c.limit_mib > 0 ? c.limit_mib * MiB : (total * c.limit_percentage) / 100;
  const spike = c.limit_mib > 0 ? (c.spike_limit_mib > 0 ? c.spike_limit_mib * MiB : hard / 5) : c.spike_limit_percentage > 0 ? (total * c.spike_limit_percentage) / 100 : hard / 5;
  return { hard, soft: hard - spike };
}

/**
 * `memory_limiter`: every `check_interval` reads the process's memory (RSS); above the soft limit (limit − spike)
 * data is refused with a retryable error (receivers answer 503 / UNAVAILABLE, clients back off) until usage drops;
 * a full garbage collection is forced above the hard limit (every `min_gc_interval_when_hard_limited`) and above
 * the soft one (every `min_gc_interval_when_soft_limited`). Receivers also check its soft limit against the RSS of
 * the moment and the requests being read before they read or decode a body (`MemoryPressure`), so a flood is
 * refused between two checks too.
 */
export const memoryLimiterFactory: ProcessorFactory<typeof schema> = {
  type: 'memory_limiter',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, signal, next, env) {
    const { hard, soft } = memoryLimits(cfg);
    let refusing = false;
    let timer: NodeJS.Timeout | undefined;
    const log = env.logger.child({ kind: 'processor', name: id });
    let lastGc = 0;
    const gc = () => {
      const run = fullGc();
      if (!run) return process.memoryUsage.rss();
      run();
      lastGc = Date.now();
      return process.memoryUsage.rss();
    };
    const check = () => {
      let used = process.memoryUsage.rss();
      // As the Collector: above the hard limit a GC at most every min_gc_interval_when_hard_limited, above the soft
      // limit every min_gc_interval_when_soft_limited, then the usage read again (freed pages return to the system).
      if (used > hard && Date.now() - lastGc >= cfg.min_gc_interval_when_hard_limited) used = gc();
      else if (used > soft && Date.now() - lastGc >= cfg.min_gc_interval_when_soft_limited) used = gc();
      const over = used > soft;
      if (over !== refusing) {
        refusing = over;
        env.memoryPressure?.set(`${id}/${signal}`, over);
        if (over) log.warn({ cur_mem_mib: Math.round(used / 1048576), soft_limit_mib: Math.round(soft / 1048576) }, 'Memory usage is above soft limit. Refusing data.');
        else log.info({ cur_mem_mib: Math.round(used / 1048576) }, 'Memory usage back within limits. Resuming normal operation.');
      }
    };
    return {
      mutates: false,
      async start() {
        env.memoryPressure?.limit(`${id}/${signal}`, soft);
        check();
        timer = setInterval(check, cfg.check_interval);
        timer.unref();
      },
      async shutdown() {
        if (timer) clearInterval(timer);
        env.memoryPressure?.set(`${id}/${signal}`, false);
        env.memoryPressure?.limit(`${id}/${signal}`, undefined);
      },
      consume(data, client) {
        if (refusing) {
          env.telemetry.processorRefused[data.signal].inc({ processor: id }, countItems(data));
          return Promise.reject(retryableError('data refused due to high memory usage'));
        }
        return next.consume(data, client);
      },
    };
  },
};
