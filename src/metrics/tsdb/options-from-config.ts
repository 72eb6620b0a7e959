import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { MetricsConfig } from '../../config/index.js';
import type { TsdbOptions } from './tsdb.js';

/** `metrics.tsdb.*` of the config as `Tsdb.open` options; the TSDB lives in `<dataDir>/metrics`. */
export function tsdbOptionsFromConfig(cfg: MetricsConfig['tsdb'], dataDir: string, registry?: Registry, logger?: Logger): TsdbOptions {
  return {
    dir: join(dataDir, 'metrics'),
    retentionMs: cfg.retention_time,
    retentionBytes: cfg.retention_size,
    minBlockDurationMs: cfg.min_block_duration,
    maxBlockDurationMs: cfg.max_block_duration,
    outOfOrderWindowMs: cfg.out_of_order_time_window,
    walFsyncIntervalMs: cfg.wal_fsync_interval,
    registry,
    logger,
  };
}
