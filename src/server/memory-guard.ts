import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Gauge, Counter, type Registry } from 'prom-client';

/**
 * Process-wide memory backpressure, with the OpenTelemetry Collector's `memory_limiter` behaviour for every ingest
 * path: above the soft limit (limit − spike) new writes are refused with 503 + `Retry-After` (retryable by
 * Prometheus, Promtail, Loki and OTLP clients; nothing of a refused request is stored); above the hard limit queries
 * are shed too. Health, readiness and `/metrics` always answer. Memory is the process's resident set, so one guard
 * serves all components of the process.
 */
export interface MemoryGuardOptions {
  /** Hard limit in bytes of resident memory. */
  limitBytes: number;
  /** Headroom below the hard limit where writes are already refused (default 20% of the limit). */
  spikeBytes?: number;
  /** Resident set size now (default `process.memoryUsage.rss`). */
  readRss?: () => number;
  /**
   * How long a reading is reused (default 100 ms; 0 reads on every request). Reading RSS on every request cost
   * 3.5% of remote-write ingest CPU (docs/performance.md); the spike headroom covers growth within one interval.
   */
  sampleEveryMs?: number;
}

export type MemoryState = 'ok' | 'soft' | 'hard';

export class MemoryGuard {
  readonly limitBytes: number;
  readonly softBytes: number;
  private readonly readRss: () => number;
  private readonly sampleEveryMs: number;
  private lastRss = 0;
  private lastReadAt = -Infinity;
  private refusedWrites = 0;
  private shedQueries = 0;

  constructor(opts: MemoryGuardOptions) {
    this.limitBytes = opts.limitBytes;
    this.softBytes = opts.limitBytes - (opts.spikeBytes ?? Math.floor(opts.limitBytes * 0.2));
    this.readRss = opts.readRss ?? (() => process.memoryUsage.rss());
    this.sampleEveryMs = opts.sampleEveryMs ?? 100;
  }

  /** The resident size, read at most once per `sampleEveryMs`. */
  private residentBytes(): number {
    const now = performance.now();
    if (now - this.lastReadAt >= this.sampleEveryMs) {
      this.lastRss = this.readRss();
      this.lastReadAt = now;
    }
    return this.lastRss;
  }

  state(): MemoryState {
    if (this.limitBytes <= 0) return 'ok';
    const rss = this.residentBytes();
    if (rss >= this.limitBytes) return 'hard';
    if (rss >= this.softBytes) return 'soft';
    return 'ok';
  }

  /** Whether a write must be refused now (counted). */
  refuseWrite(): boolean {
    if (this.state() === 'ok') return false;
    this.refusedWrites++;
    return true;
  }

  /** Whether a query must be shed now (counted). */
  shedQuery(): boolean {
    if (this.state() !== 'hard') return false;
    this.shedQueries++;
    return true;
  }

  /** Self-metrics: the limits, resident memory and refusals. */
  register(registry: Registry): void {
    const readRss = this.readRss;
    const counts = (): { writes: number; queries: number } => ({ writes: this.refusedWrites, queries: this.shedQueries });
    new Gauge({ name: 'sightline_memory_limit_bytes', help: 'Hard memory limit (server.memory_limit).', registers: [registry] }).set(this.limitBytes);
    new Gauge({ name: 'sightline_memory_soft_limit_bytes', help: 'Above this resident size writes are refused.', registers: [registry] }).set(this.softBytes);
    new Gauge({
      name: 'sightline_memory_resident_bytes',
      help: 'Resident memory of the process as the memory guard reads it.',
      registers: [registry],
      collect() {
        this.set(readRss());
      },
    });
    new Counter({
      name: 'sightline_memory_refused_writes_total',
      help: 'Write requests refused because memory was above the soft limit.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(counts().writes);
      },
    });
    new Counter({
      name: 'sightline_memory_shed_queries_total',
      help: 'Queries refused because memory was above the hard limit.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(counts().queries);
      },
    });
  }
}

/** The default limit: 80% of the cgroup's memory limit or of the machine's memory, and no more than V8's heap limit. */
export function defaultMemoryLimit(): number {
  let total = totalmem();
  try {
    const raw = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (raw !== 'max' && Number(raw) > 0) total = Math.min(total, Number(raw));
  } catch {
    // no cgroup v2 limit
  }
  return Math.floor(Math.min(total * 0.8, getHeapStatistics().heap_size_limit));
}

let processGuard: MemoryGuard | undefined;

/** Install the process's guard (the CLI does, from `server.memory_limit`); undefined removes it. */
export function setProcessMemoryGuard(g: MemoryGuard | undefined): void {
  processGuard = g;
}

export function processMemoryGuard(): MemoryGuard | undefined {
  return processGuard;
}

