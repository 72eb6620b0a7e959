import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { byteSize, durationMs, listenAddress, queryWorkers } from '../zod-helpers.js';
import { lokiRulerSection } from './loki-ruler.js';
import { objectStorageSchema } from './object-storage.js';
import { listenerSecurityFields } from './web-config.js';

/**
 * Per-tenant limits, named and defaulted as Loki's `limits_config` (durations in ms, sizes in bytes). Each tenant
 * may override any of them under `logs.overrides` (Loki's runtime overrides); read them through `Overrides`.
 */
const limitFields = lazySchema(() => ({
  /** Per-tenant ingestion rate, MB/s (token bucket refill). */
  ingestion_rate_mb: z.number().positive(),
  /** Per-tenant burst, MB (bucket size). */
  ingestion_burst_size_mb: z.number().positive(),
  /** Longest accepted line; 0 = unlimited. */
  max_line_size: byteSize,
  /** Truncate lines over `max_line_size` instead of refusing them. */
  max_line_size_truncate: z.boolean(),
  /** Active streams per tenant on this ingester (Loki's local limit; 0 = unlimited). */
  max_streams_per_user: z.number().int().nonnegative(),
  /** Active streams per tenant over the cluster (one ingester here; Loki's default 5000; 0 = unlimited). */
  max_global_streams_per_user: z.number().int().nonnegative(),
  max_label_names_per_series: z.number().int().positive(),
  max_label_name_length: z.number().int().positive(),
  max_label_value_length: z.number().int().positive(),
  reject_old_samples: z.boolean(),
  reject_old_samples_max_age: durationMs,
  creation_grace_period: durationMs,
  /** Largest `limit` of a log query; 0 = unlimited. */
  max_entries_limit_per_query: z.number().int().nonnegative(),
  /** Longest time range of a query; 0 = unlimited. */
  max_query_length: durationMs,
  max_query_series: z.number().int().positive(),
  /** Bytes of lines a metric query or filtered log query may read (Loki's; 0 = unlimited, its default). */
  max_query_bytes_read: byteSize,
  /** The same for what one querier runs (Loki: after splitting and sharding; here the whole query); default 150GB. */
  max_querier_bytes_read: byteSize,
  query_timeout: durationMs,
  /** Open tails (`/loki/api/v1/tail`) of the tenant; one more is refused (WebSocket closed with 1011), 0 refuses all, as Loki. */
  max_concurrent_tail_requests: z.number().int().nonnegative(),
  /** Chunks of the tenant older than this are deleted (whole index periods); 0 = keep forever. */
  retention_period: durationMs,
}));

const limits = lazySchema(() => z.strictObject({
  ingestion_rate_mb: limitFields.ingestion_rate_mb.default(4),
  ingestion_burst_size_mb: limitFields.ingestion_burst_size_mb.default(6),
  max_line_size: limitFields.max_line_size.default(256 * 1024),
  max_line_size_truncate: limitFields.max_line_size_truncate.default(false),
  max_streams_per_user: limitFields.max_streams_per_user.default(0),
  max_global_streams_per_user: limitFields.max_global_streams_per_user.default(5000),
  max_label_names_per_series: limitFields.max_label_names_per_series.default(15),
  max_label_name_length: limitFields.max_label_name_length.default(1024),
  max_label_value_length: limitFields.max_label_value_length.default(2048),
  reject_old_samples: limitFields.reject_old_samples.default(true),
  reject_old_samples_max_age: limitFields.reject_old_samples_max_age.default(7 * 24 * 3600_000),
  creation_grace_period: limitFields.creation_grace_period.default(10 * 60_000),
  max_entries_limit_per_query: limitFields.max_entries_limit_per_query.default(5000),
  max_query_length: limitFields.max_query_length.default(721 * 3600_000),
  max_query_series: limitFields.max_query_series.default(500),
  max_query_bytes_read: limitFields.max_query_bytes_read.default(0),
  // Loki's "150GB", which Go's humanize reads as decimal gigabytes.
  max_querier_bytes_read: limitFields.max_querier_bytes_read.default(150e9),
  query_timeout: limitFields.query_timeout.default(60_000),
  max_concurrent_tail_requests: limitFields.max_concurrent_tail_requests.default(10),
  retention_period: limitFields.retention_period.default(90 * 24 * 3600_000),
}));

/** A tenant's overrides: any subset of the limits, no defaults filled in (the rest comes from `logs.limits`). */
const overrides = lazySchema(() => z.strictObject(limitFields).partial());

/**
 * The Loki role: push and query APIs (3100), the log store, LogQL limits.
 *
 * ```yaml
 * logs:
 *   storage: { backend: s3, s3: { endpoint: minio:9000, bucket: loki-data, secret_access_key: ${S3_SECRET}, insecure: true } }
 *   limits: { ingestion_rate_mb: 8, retention_period: 30d }
 *   overrides: { team-a: { max_global_streams_per_user: 20000 } }
 * ```
 */
export const logsSection = lazySchema(() => z.strictObject({
  listen_address: listenAddress.default('127.0.0.1:3100'),
  ...listenerSecurityFields,
  /** `X-Scope-OrgID` required when on (Loki's `auth_enabled`); tenant `fake` otherwise. */
  auth_enabled: z.boolean().default(false),
  /** Where chunks and index files live (Loki's `storage_config`): a directory (default `<data-dir>/objects`) or an S3 bucket. */
  storage: objectStorageSchema('logs'),
  /** Older spelling of `storage.filesystem.dir`. */
  object_store_dir: z.string().optional(),
  /** Object-store key prefix (Loki's bucket `loki-data` in the seed). */
  object_prefix: z.string().default('loki-data'),
  wal_fsync_interval: durationMs.default(1000),
  /** Cut a chunk when its uncompressed size reaches this. */
  chunk_target_size: byteSize.default(1536 * 1024),
  /** Chunk compression (Loki's `chunk_encoding`): deflate (default; fastest to scan here), snappy, gzip, none (no compression: ~13x the bytes, cold scans skip decompression). */
  chunk_encoding: z.enum(['deflate', 'snappy', 'gzip', 'none']).default('deflate'),
  /** Cut a chunk when it would span more than this (Loki's `max_chunk_age`). */
  max_chunk_age: durationMs.default(2 * 3600_000),
  /** Flush the head to the object store this often (and on shutdown). */
  flush_interval: durationMs.default(5 * 60_000),
  /** Index period (one postings index per tenant per period). */
  index_period: durationMs.default(24 * 3600_000),
  /** How far behind the newest entry of a stream an entry may be (Loki: max_chunk_age / 2). */
  out_of_order_window: durationMs.default(3600_000),
  retention_enabled: z.boolean().default(true),
  /** Query evaluation of the API (`query`, `query_range`). */
  query: z
    .strictObject({
      /** LogQL query workers: scan, filter, parse and aggregate off the event loop (0: on the event loop); see `queryWorkers`. */
      workers: queryWorkers,
      /** Queries evaluated at once; others wait in order (Loki's `-querier.max-concurrent`, default 4). */
      max_concurrent: z.number().int().positive().default(4),
      /**
       * Heap limit of each LogQL query worker: a query that needs more fails with 400 and its worker is replaced.
       * Default: half of `server.memory_limit` shared by the workers, at least 64 MiB.
       */
      worker_heap_limit: byteSize.optional(),
    })
    .prefault({}),
  limits: limits.prefault({}),
  /** Per-tenant overrides of `limits` (Loki's runtime `overrides`). */
  overrides: z.record(z.string(), overrides).default({}),
  /** Loki's ruler: LogQL rules per tenant from a local directory (off while `storage.local.directory` is empty). */
  ruler: lokiRulerSection.prefault({}),
}).refine((s) => s.object_store_dir === undefined || s.storage.filesystem.dir === undefined || s.object_store_dir === s.storage.filesystem.dir, {
  message: 'logs.object_store_dir and logs.storage.filesystem.dir name different directories; keep only storage.filesystem.dir',
  path: ['object_store_dir'],
}));

export type LogsConfig = z.output<typeof logsSection>;
export type LogsLimits = z.output<typeof limits>;
