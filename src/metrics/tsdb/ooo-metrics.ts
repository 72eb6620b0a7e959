import { Counter, Gauge, type Registry } from 'prom-client';

/** The out-of-order self-metrics under Prometheus 2.42's names. */
export class OooMetrics {
  readonly samplesAppended: Counter;
  readonly tooOld: Counter;
  readonly wblTruncations: Counter;
  readonly wblWritesFailed: Counter;

  constructor(registry: Registry, wblSegment: () => number) {
    const registers = [registry];
    // A TSDB reopened in the same process (a restart in tests) takes its metrics over.
    const fresh = (name: string) => {
      if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
      return name;
    };
    this.samplesAppended = new Counter({ name: fresh('prometheus_tsdb_head_out_of_order_samples_appended_total'), help: 'Total number of appended out of order samples.', registers });
    this.tooOld = new Counter({
      name: fresh('prometheus_tsdb_too_old_samples_total'),
      help: 'Total number of out of order samples ingestion failed attempts with out of support enabled, but sample outside of time window.',
      labelNames: ['type'],
      registers,
    });
    this.wblTruncations = new Counter({ name: fresh('prometheus_tsdb_out_of_order_wbl_truncations_total'), help: 'Total number of write log truncations attempted.', registers });
    this.wblWritesFailed = new Counter({ name: fresh('prometheus_tsdb_out_of_order_wbl_writes_failed_total'), help: 'Total number of write log writes that failed.', registers });
    new Gauge({
      name: fresh('prometheus_tsdb_out_of_order_wbl_segment_current'),
      help: 'Write log segment index that TSDB is currently writing to.',
      registers,
      collect() {
        this.set(wblSegment());
      },
    });
  }
}
