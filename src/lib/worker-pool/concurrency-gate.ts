import { Gauge, type Registry } from 'prom-client';

/** Names and help of a gate's two gauges (running or waiting; the limit). Prometheus's engine gauges by default. */
export interface GateGaugeNames {
  queries: [name: string, help: string];
  max: [name: string, help: string];
}

const PROMETHEUS_GAUGES: GateGaugeNames = {
  queries: ['prometheus_engine_queries', 'The current number of queries being executed or waiting.'],
  max: ['prometheus_engine_queries_concurrent_max', 'The max number of concurrent queries.'],
};

/**
 * At most `limit` holders at a time; others wait in order (Prometheus's `--query.max-concurrency`, Loki's
 * `-querier.max-concurrent`): the admission queue in front of a query pool.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Gauges for this gate: queries running or waiting, and the limit (Prometheus's engine gauges unless named). */
  registerMetrics(registry: Registry, names: GateGaugeNames = PROMETHEUS_GAUGES): void {
    for (const [name] of [names.queries, names.max]) {
      // A component restarted in the same process (tests) takes its gauges over.
      if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
    }
    const waitingOrRunning = () => this.inUse + this.queued;
    new Gauge({
      name: names.queries[0],
      help: names.queries[1],
      registers: [registry],
      collect() {
        this.set(waitingOrRunning());
      },
    });
    new Gauge({ name: names.max[0], help: names.max[1], registers: [registry] }).set(this.limit);
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when a slot is free; rejects with the signal's reason if it aborts first. Call `release` once after. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Run `fn` holding a slot (waiting for one first; rejects with the signal's reason if it aborts meanwhile). */
  async hold<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve();
    } else {
      this.active--;
    }
  }
}
