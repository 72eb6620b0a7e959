import type { Registry } from 'prom-client';

/**
 * A summary without quantiles (Go's `prometheus.NewSummary` with no objectives): only `_sum` and `_count`. Kept as
 * two numbers, because prom-client's Summary feeds a t-digest on every observation even when no percentile is
 * asked for, which cost several µs per alert on the ingest path
 * (`alertmanager_dispatcher_alert_processing_duration_seconds` is observed once per alert).
 */
export class SumCountSummary {
  readonly type = 'summary';
  readonly aggregator = 'sum';
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [
        { metricName: `${this.name}_sum`, labels: {}, value: this.sum },
        { metricName: `${this.name}_count`, labels: {}, value: this.count },
      ],
    };
  }
}
