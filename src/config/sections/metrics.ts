import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { byteSize, durationMs, listenAddress, queryWorkers } from '../zod-helpers.js';
import { listenerSecurityFields } from './web-config.js';

/** The Prometheus role: its HTTP API listener, the TSDB and the PromQL engine limits. */
export const metricsSection = lazySchema(() => z.strictObject({
  /** Prometheus HTTP API, `/metrics`, `/-/ready`. */
  listen_address: listenAddress.default('127.0.0.1:9090'),
  ...listenerSecurityFields,
  /** A prometheus.yml, accepted unchanged (also `--prometheus.config`). */
  prometheus_config_file: z.string().optional(),
  /** Scrape Sightline's own `/metrics` in the single-process stack. */
  scrape_self: z.boolean().default(true),
  self_scrape_interval: durationMs.default(15_000),
  /** Prometheus's `--web.enable-admin-api`: `admin/tsdb/snapshot` answers (else `admin APIs disabled`). */
  enable_admin_api: z.boolean().default(false),
  tsdb: z
    .strictObject({
      retention_time: durationMs.default(15 * 24 * 3600_000),
      /** 0 = no size limit. */
      retention_size: byteSize.default(0),
      min_block_duration: durationMs.default(2 * 3600_000),
      max_block_duration: durationMs.optional(),
      out_of_order_time_window: durationMs.default(0),
      wal_fsync_interval: durationMs.default(1000),
    })
    .prefault({}),
  query: z
    .strictObject({
      timeout: durationMs.default(120_000),
      max_samples: z.number().int().positive().default(50_000_000),
      lookback_delta: durationMs.default(300_000),
      max_concurrency: z.number().int().positive().default(20),
      /** PromQL query workers (0: evaluate on the event loop, time-sliced); see `queryWorkers`. */
      workers: queryWorkers,
      /**
       * Heap limit of each query worker (V8's old generation): a query that needs more fails with 422 and its worker
       * is replaced; the process lives. Default: half of `server.memory_limit` shared by the workers, at least 64 MiB.
       */
      worker_heap_limit: byteSize.optional(),
    })
    .prefault({}),
}));

export type MetricsConfig = z.output<typeof metricsSection>;
