import { z } from 'zod';
import { byteSize, durationMs, listenAddress } from '../zod-helpers.js';

/** Per-tenant limits, named as in Loki's `limits_config`. */
const limits = z.strictObject({
  ingestion_rate_mb: z.number().positive().default(4),
  ingestion_burst_size_mb: z.number().positive().default(6),
  max_line_size: byteSize.default(256 * 1024),
  /** Active streams per tenant (Loki's default 5000; 0 = unlimited). */
  max_global_streams_per_user: z.number().int().nonnegative().default(5000),
  max_label_names_per_series: z.number().int().positive().default(15),
  max_label_name_length: z.number().int().positive().default(1024),
  max_label_value_length: z.number().int().positive().default(2048),
  reject_old_samples: z.boolean().default(true),
  reject_old_samples_max_age: durationMs.default(7 * 24 * 3600_000),
  creation_grace_period: durationMs.default(10 * 60_000),
  max_entries_limit_per_query: z.number().int().nonnegative().default(5000),
  /** 0 = unlimited. */
  max_query_length: durationMs.default(721 * 3600_000),
  max_query_series: z.number().int().positive().default(500),
  query_timeout: durationMs.default(60_000),
  retention_period: durationMs.default(90 * 24 * 3600_000),
});

/** The Loki role: push and query APIs (3100), the log store, LogQL limits. */
export const logsSection = z.strictObject({
  listen_address: listenAddress.default('127.0.0.1:3100'),
  /** `X-Scope-OrgID` required when on (Loki's `auth_enabled`); tenant `fake` otherwise. */
  auth_enabled: z.boolean().default(false),
  /** Filesystem object store root (default `<data-dir>/objects`); S3 is configured by the storage section. */
  object_store_dir: z.string().optional(),
  /** Object-store prefix (Loki's bucket `loki-data` in the seed). */
  object_prefix: z.string().default('loki-data'),
  wal_fsync_interval: durationMs.default(1000),
  /** Cut a chunk when its uncompressed size reaches this. */
  chunk_target_size: byteSize.default(1536 * 1024),
  /** Chunk compression (Loki's `chunk_encoding`): deflate (default; fastest to scan here), snappy, gzip. */
  chunk_encoding: z.enum(['deflate', 'snappy', 'gzip']).default('deflate'),
  /** Cut a chunk when it would span more than this (Loki's `max_chunk_age`). */
  max_chunk_age: durationMs.default(2 * 3600_000),
  /** Flush the head to the object store this often (and on shutdown). */
  flush_interval: durationMs.default(5 * 60_000),
  /** Index period (one postings index per tenant per period). */
  index_period: durationMs.default(24 * 3600_000),
  /** How far behind the newest entry of a stream an entry may be (Loki: max_chunk_age / 2). */
  out_of_order_window: durationMs.default(3600_000),
  retention_enabled: z.boolean().default(true),
  limits: limits.prefault({}),
  /** Per-tenant overrides of `limits`. */
  overrides: z.record(z.string(), limits.partial()).default({}),
});

export type LogsConfig = z.output<typeof logsSection>;
export type LogsLimits = z.output<typeof limits>;
