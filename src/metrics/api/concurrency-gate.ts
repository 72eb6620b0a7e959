import { Gauge, type Registry } from 'prom-client';

/** At most `limit` holders at a time; others wait in order (Prometheus's `--query.max-concurrency`). */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Prometheus's engine gauges for this gate: queries running or waiting, and the limit. */
  registerMetrics(registry: Registry): void {
    for (const name of ['prometheus_engine_queries', 'prometheus_engine_queries_concurrent_max']) {
      // A component restarted in the same process (tests) takes its gauges over.
      if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
    }
    const waitingOrRunning = () => this.inUse + this.queued;
    new Gauge({
      name: 'prometheus_engine_queries',
      help: 'The current number of queries being executed or waiting.',
      registers: [registry],
      collect() {
        this.set(waitingOrRunning());
      },
    });
    new Gauge({ name: 'prometheus_engine_queries_concurrent_max', help: 'The max number of concurrent queries.', registers: [registry] }).set(this.limit);
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
