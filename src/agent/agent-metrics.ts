import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PathSeries } from './path-series.js';

/** The agent's self-metrics, with Promtail's names and labels. */
export class AgentMetrics {
  /** `promtail_read_bytes_total`, `promtail_read_lines_total` and `promtail_file_bytes_total`, per path. */
  readonly files: PathSeries;
  readonly filesActive: Gauge;
  readonly sentEntries: Counter<'host'>;
  readonly sentBytes: Counter<'host'>;
  readonly encodedBytes: Counter<'host'>;
  readonly droppedEntries: Counter<'host' | 'reason' | 'tenant'>;
  readonly droppedBytes: Counter<'host' | 'reason' | 'tenant'>;
  readonly batchRetries: Counter<'host' | 'tenant'>;
  readonly requestDuration: Histogram<'status_code' | 'host'>;
  readonly readErrors: Counter<'path' | 'reason'>;
  readonly targetsActive: Gauge;
  readonly streamLimited: Counter<'reason'>;
  readonly journalErrors: Counter<'error'>;

  constructor(registry: Registry) {
    const r = [registry];
    this.files = new PathSeries(registry);
    this.filesActive = new Gauge({ name: 'promtail_files_active_total', help: 'Number of active files.', registers: r });
    this.sentEntries = new Counter({ name: 'promtail_sent_entries_total', help: 'Number of log entries sent to the ingester.', labelNames: ['host'], registers: r });
    this.sentBytes = new Counter({ name: 'promtail_sent_bytes_total', help: 'Number of bytes sent.', labelNames: ['host'], registers: r });
    this.encodedBytes = new Counter({ name: 'promtail_encoded_bytes_total', help: 'Number of bytes encoded and ready to send.', labelNames: ['host'], registers: r });
    this.droppedEntries = new Counter({
      name: 'promtail_dropped_entries_total',
      help: 'Number of log entries dropped because failed to be sent to the ingester after all retries.',
      labelNames: ['host', 'reason', 'tenant'],
      registers: r,
    });
    this.droppedBytes = new Counter({
      name: 'promtail_dropped_bytes_total',
      help: 'Number of bytes dropped because failed to be sent to the ingester after all retries.',
      labelNames: ['host', 'reason', 'tenant'],
      registers: r,
    });
    this.batchRetries = new Counter({ name: 'promtail_batch_retries_total', help: 'Number of times batches has had to be retried.', labelNames: ['host', 'tenant'], registers: r });
    this.requestDuration = new Histogram({
      name: 'promtail_request_duration_seconds',
      help: 'Duration of send requests.',
      labelNames: ['status_code', 'host'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.readErrors = new Counter({ name: 'sightline_agent_read_errors_total', help: 'Files that could not be read, by reason.', labelNames: ['path', 'reason'], registers: r });
    this.targetsActive = new Gauge({ name: 'promtail_targets_active_total', help: 'Number of active total.', registers: r });
    this.journalErrors = new Counter({ name: 'promtail_journal_target_parsing_errors_total', help: 'Total number of parsing errors while reading journal messages.', labelNames: ['error'], registers: r });
    this.streamLimited = new Counter({ name: 'promtail_stream_limited_entries_total', help: 'Entries dropped by the max_streams limit.', labelNames: ['reason'], registers: r });
  }
}
