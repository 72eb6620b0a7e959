import { formatDuration, type MetricsConfig } from '../../config/index.js';

/**
 * `/api/v1/status/flags` for the Prometheus role: the metrics configuration under the names of the Prometheus
 * flags it stands for (UIs and tools read `query.lookback-delta`, `storage.tsdb.retention.time`, ...).
 */
export function prometheusFlags(cfg: MetricsConfig, dataDir: string, configFile = ''): Record<string, string> {
  return {
    'config.file': cfg.prometheus_config_file ?? configFile,
    'query.lookback-delta': formatDuration(cfg.query.lookback_delta),
    'query.max-concurrency': String(cfg.query.max_concurrency),
    'query.max-samples': String(cfg.query.max_samples),
    'query.timeout': formatDuration(cfg.query.timeout),
    'storage.tsdb.path': dataDir,
    'storage.tsdb.retention.size': String(cfg.tsdb.retention_size),
    'storage.tsdb.retention.time': formatDuration(cfg.tsdb.retention_time),
    'storage.tsdb.min-block-duration': formatDuration(cfg.tsdb.min_block_duration),
    'storage.tsdb.max-block-duration': formatDuration(cfg.tsdb.max_block_duration ?? Math.min(cfg.tsdb.retention_time / 10, 31 * 24 * 3600_000)),
    'storage.tsdb.out-of-order-time-window': formatDuration(cfg.tsdb.out_of_order_time_window),
    'web.enable-admin-api': String(cfg.enable_admin_api),
    'web.listen-address': cfg.listen_address,
  };
}
