import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '../registered-metrics.js';

type L = 'remote_name' | 'url';

/** Prometheus's remote-storage self-metrics (`remote_name`, `url` labels as Prometheus sets them). */
export interface SenderMetrics {
  samplesTotal: Counter<L>;
  samplesFailed: Counter<L>;
  samplesRetried: Counter<L>;
  samplesDropped: Counter<L>;
  samplesPending: Gauge<L>;
  histogramsTotal: Counter<L>;
  histogramsFailed: Counter<L>;
  histogramsRetried: Counter<L>;
  histogramsDropped: Counter<L>;
  bytesTotal: Counter<L>;
  highestTimestampIn: Gauge<never>;
  queueHighestSent: Gauge<L>;
  shards: Gauge<L>;
  shardsMin: Gauge<L>;
  shardsMax: Gauge<L>;
  shardsDesired: Gauge<L>;
  shardCapacity: Gauge<L>;
}

export function senderMetrics(r: Registry): SenderMetrics {
  const l: L[] = ['remote_name', 'url'];
  return {
    samplesTotal: counter(r, 'prometheus_remote_storage_samples_total', 'Total number of samples sent to remote storage.', l),
    samplesFailed: counter(r, 'prometheus_remote_storage_samples_failed_total', 'Total number of samples which failed on send to remote storage, non-recoverable errors.', l),
    samplesRetried: counter(r, 'prometheus_remote_storage_samples_retried_total', 'Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.', l),
    samplesDropped: counter(r, 'prometheus_remote_storage_samples_dropped_total', 'Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling or unintentionally because of an unknown reference ID.', l),
    samplesPending: gauge(r, 'prometheus_remote_storage_samples_pending', 'The number of samples pending in the queues shards to be sent to the remote storage.', l),
    histogramsTotal: counter(r, 'prometheus_remote_storage_histograms_total', 'Total number of histograms sent to remote storage.', l),
    histogramsFailed: counter(r, 'prometheus_remote_storage_histograms_failed_total', 'Total number of histograms which failed on send to remote storage, non-recoverable errors.', l),
    histogramsRetried: counter(r, 'prometheus_remote_storage_histograms_retried_total', 'Total number of histograms which failed on send to remote storage but were retried because the send error was recoverable.', l),
    histogramsDropped: counter(r, 'prometheus_remote_storage_histograms_dropped_total', 'Total number of histograms which were dropped after being read from the WAL before being sent via remote write, either via relabelling or unintentionally because of an unknown reference ID.', l),
    bytesTotal: counter(r, 'prometheus_remote_storage_bytes_total', 'The total number of bytes of data (not metadata) sent by the queue after compression.', l),
    highestTimestampIn: gauge(r, 'prometheus_remote_storage_highest_timestamp_in_seconds', 'Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.', []),
    queueHighestSent: gauge(r, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds', 'Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.', l),
    shards: gauge(r, 'prometheus_remote_storage_shards', 'The number of shards used for parallel sending to the remote storage.', l),
    shardsMin: gauge(r, 'prometheus_remote_storage_shards_min', 'The minimum number of shards that the queue is allowed to run.', l),
    shardsMax: gauge(r, 'prometheus_remote_storage_shards_max', 'The maximum number of shards that the queue is allowed to run.', l),
    shardsDesired: gauge(r, 'prometheus_remote_storage_shards_desired', 'The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.', l),
    shardCapacity: gauge(r, 'prometheus_remote_storage_shard_capacity', 'The capacity of each shard of the queue used for parallel sending to the remote storage.', l),
  };
}
