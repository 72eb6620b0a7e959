import { Counter, type Registry } from 'prom-client';

/** Loki's distributor and ingester counters, per tenant (and reason for discarded data). */
export interface DistributorMetrics {
  linesReceived: Counter<'tenant'>;
  bytesReceived: Counter<'tenant'>;
  discardedSamples: Counter<'reason' | 'tenant'>;
  discardedBytes: Counter<'reason' | 'tenant'>;
  streamsCreated: Counter<'tenant'>;
  /** Entries changed to be accepted (`max_line_size_truncate`). */
  mutatedSamples: Counter<'reason' | 'tenant'>;
  mutatedBytes: Counter<'reason' | 'tenant'>;
}

export function createDistributorMetrics(registry: Registry): DistributorMetrics {
  const reg = { registers: [registry] };
  return {
    linesReceived: new Counter({ name: 'loki_distributor_lines_received_total', help: 'The total number of log lines received.', labelNames: ['tenant'], ...reg }),
    bytesReceived: new Counter({ name: 'loki_distributor_bytes_received_total', help: 'The total number of uncompressed bytes received.', labelNames: ['tenant'], ...reg }),
    discardedSamples: new Counter({ name: 'loki_discarded_samples_total', help: 'The total number of samples that were discarded.', labelNames: ['reason', 'tenant'], ...reg }),
    discardedBytes: new Counter({ name: 'loki_discarded_bytes_total', help: 'The total number of bytes that were discarded.', labelNames: ['reason', 'tenant'], ...reg }),
    streamsCreated: new Counter({ name: 'loki_ingester_streams_created_total', help: 'The total number of streams created per tenant.', labelNames: ['tenant'], ...reg }),
    mutatedSamples: new Counter({ name: 'loki_mutated_samples_total', help: 'The total number of samples that have been mutated.', labelNames: ['reason', 'tenant'], ...reg }),
    mutatedBytes: new Counter({ name: 'loki_mutated_bytes_total', help: 'The total number of bytes that have been mutated.', labelNames: ['reason', 'tenant'], ...reg }),
  };
}
