import { Counter, Gauge, Summary, type Registry } from 'prom-client';

/** The scrape side's self-metrics, under Prometheus's own names, on the instance registry. */
export class ScrapeMetrics {
  readonly intervalLength: Summary<'interval'>;
  readonly exceededSampleLimit: Counter;
  readonly exceededBodySizeLimit: Counter;
  readonly exceededLabelLimits: Counter;
  readonly exceededBucketLimit: Counter;
  readonly sampleOutOfOrder: Counter;
  readonly sampleDuplicate: Counter;
  readonly sampleOutOfBounds: Counter;
  readonly sampleTooOld: Counter;
  readonly poolTargets: Gauge<'scrape_job'>;
  readonly pools: Counter;
  readonly poolsFailed: Counter;
  readonly poolReloads: Counter;
  readonly poolReloadsFailed: Counter;
  readonly poolExceededTargetLimit: Counter;
  readonly syncLength: Summary<'scrape_job'>;
  readonly sdDiscoveredTargets: Gauge<'config' | 'name'>;
  readonly sdFileReadErrors: Counter;
  readonly sdKubernetesEvents: Counter<'role' | 'event'>;
  readonly sdKubernetesFailures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.intervalLength = new Summary({
      name: 'prometheus_target_interval_length_seconds',
      help: 'Actual intervals between scrapes.',
      labelNames: ['interval'],
      percentiles: [0.01, 0.05, 0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.exceededSampleLimit = counter('prometheus_target_scrapes_exceeded_sample_limit_total', 'Total number of scrapes that hit the sample limit and were rejected.');
    this.exceededBodySizeLimit = counter('prometheus_target_scrapes_exceeded_body_size_limit_total', 'Total number of scrapes that hit the body size limit');
    this.exceededLabelLimits = counter('prometheus_target_scrapes_exceeded_label_limits_total', 'Total number of scrapes that hit the label limits and were rejected.');
    this.exceededBucketLimit = counter('prometheus_target_scrapes_exceeded_native_histogram_bucket_limit_total', 'Total number of scrapes that hit the native histogram bucket limit and were rejected.');
    this.sampleOutOfOrder = counter('prometheus_target_scrapes_sample_out_of_order_total', 'Total number of samples rejected due to not being out of the expected order.');
    this.sampleDuplicate = counter('prometheus_target_scrapes_sample_duplicate_timestamp_total', 'Total number of samples rejected due to duplicate timestamps but different values.');
    this.sampleOutOfBounds = counter('prometheus_target_scrapes_sample_out_of_bounds_total', 'Total number of samples rejected due to timestamp falling outside of the time bounds.');
    this.sampleTooOld = counter('prometheus_target_scrapes_sample_too_old_total', 'Total number of samples rejected for being too old (Sightline).');
    this.poolTargets = new Gauge({ name: 'prometheus_target_scrape_pool_targets', help: 'Current number of targets in this scrape pool.', labelNames: ['scrape_job'], registers });
    this.pools = counter('prometheus_target_scrape_pools_total', 'Total number of scrape pool creation attempts.');
    this.poolsFailed = counter('prometheus_target_scrape_pools_failed_total', 'Total number of scrape pool creations that failed.');
    this.poolReloads = counter('prometheus_target_scrape_pool_reloads_total', 'Total number of scrape pool reloads.');
    this.poolReloadsFailed = counter('prometheus_target_scrape_pool_reloads_failed_total', 'Total number of failed scrape pool reloads.');
    this.poolExceededTargetLimit = counter('prometheus_target_scrape_pool_exceeded_target_limit_total', 'Total number of times scrape pools hit the target limit, during sync or config reload.');
    this.syncLength = new Summary({
      name: 'prometheus_target_sync_length_seconds',
      help: 'Actual interval to sync the scrape pool.',
      labelNames: ['scrape_job'],
      percentiles: [0.01, 0.05, 0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
    this.sdDiscoveredTargets = new Gauge({ name: 'prometheus_sd_discovered_targets', help: 'Current number of discovered targets.', labelNames: ['config', 'name'], registers });
    this.sdFileReadErrors = counter('prometheus_sd_file_read_errors_total', 'The number of File-SD read errors.');
    this.sdKubernetesEvents = new Counter({ name: 'prometheus_sd_kubernetes_events_total', help: 'The number of Kubernetes events handled.', labelNames: ['role', 'event'], registers });
    this.sdKubernetesFailures = counter('prometheus_sd_kubernetes_failures_total', 'The number of failed WATCH/LIST requests.');
  }
}
