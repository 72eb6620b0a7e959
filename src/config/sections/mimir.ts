import { availableParallelism } from 'node:os';
import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { byteSize, durationMs, listenAddress } from '../zod-helpers.js';
import { objectStorageSchema } from './object-storage.js';
import { listenerSecurityFields } from './web-config.js';


/**
 * The Mimir role: remote write in at `/api/v1/push`, one TSDB per tenant, blocks shipped to object storage,
 * compacted and retained there, and the Prometheus API under `/prometheus`.
 *
 * ```yaml
 * mimir:
 *   storage: { backend: s3, s3: { endpoint: minio:9000, bucket: mimir, secret_access_key: ${S3_SECRET}, insecure: true } }
 *   compactor: { blocks_retention_period: 90d }
 *   overrides: { team-a: { compactor_blocks_retention_period: 30d } }
 * ```
 */
export const mimirSection = lazySchema(() => z.strictObject({
  listen_address: listenAddress.default('127.0.0.1:8080'),
  ...listenerSecurityFields,
  /** Block range of the per-tenant TSDB heads (Mimir's `-blocks-storage.tsdb.block-ranges-period`, 2h). */
  block_duration: durationMs.default(2 * 3600_000),
  /** Local blocks older than this (relative to the newest local block) are deleted once shipped. */
  local_retention: durationMs.default(24 * 3600_000),
  wal_fsync_interval: durationMs.default(1000),
  /** How often the head is checked for blocks to cut (it is also checked after each commit); 0 = never. */
  head_compaction_interval: durationMs.default(60_000),
  storage: objectStorageSchema('mimir'),
  /** How often queriers re-list the bucket for blocks of other writers. */
  bucket_sync_interval: durationMs.default(60_000),
  /** Disk space for bucket blocks fetched by queriers (`<data>/mimir/bucket-cache`); least recently used evicted; 0 = no limit. */
  bucket_cache_size: byteSize.default(10 * 1024 ** 3),
  compactor: z
    .strictObject({
      /** 0 = no compaction loop (run on demand only). */
      interval: durationMs.default(3600_000),
      /** Ranges blocks are merged into (Mimir's `-compactor.block-ranges`: 2h, 12h, 24h). */
      block_ranges: z.array(durationMs).default([2 * 3600_000, 12 * 3600_000, 24 * 3600_000]),
      /** Bucket retention (Mimir's `-compactor.blocks-retention-period`); 0 = keep forever. */
      blocks_retention_period: durationMs.default(90 * 24 * 3600_000),
    })
    .prefault({}),
  query: z
    .strictObject({
      timeout: durationMs.default(120_000),
      max_samples: z.number().int().positive().default(50_000_000),
      lookback_delta: durationMs.default(300_000),
      max_concurrency: z.number().int().positive().default(20),
      /** Worker threads evaluating tenant queries off the event loop (0: on it, time-sliced); as `metrics.query.workers`. */
      workers: z.number().int().min(0).default(Math.max(1, Math.min(4, availableParallelism() - 1))),
      /**
       * Heap limit of each query worker (V8's old generation): a query that needs more fails with 422 and its worker
       * is replaced; the process lives. Default: half of `server.memory_limit` shared by the workers, at least 64 MiB.
       */
      worker_heap_limit: byteSize.optional(),
    })
    .prefault({}),
  overrides: z.record(z.string(), z.strictObject({ compactor_blocks_retention_period: durationMs.optional() })).default({}),
  /**
   * Mimir's multi-tenant Alertmanager: tenant configurations (`alerts/<tenant>`) and state
   * (`alertmanager/<tenant>/fullstate`) in this store (Mimir's `alertmanager_storage`; default the directory
   * `<data>/mimir/alertmanager-storage`), so every process on the same bucket serves them.
   */
  alertmanager: z
    .strictObject({
      storage: objectStorageSchema('mimir.alertmanager'),
      /** How often the store is read for configurations written by other processes (Mimir's `-alertmanager.configs.poll-interval`). */
      poll_interval: durationMs.default(15_000),
      /** How often each tenant's silences and notification log are copied to the store (Mimir's `-alertmanager.persist-interval`); also on shutdown. */
      persist_interval: durationMs.default(15 * 60_000),
    })
    .prefault({}),
  /** Mimir's ruler: per-tenant rule groups in `<data>/mimir/ruler-storage` (Mimir's default filesystem `ruler_storage`), managed with `/prometheus/config/v1/rules`. */
  ruler: z
    .strictObject({
      enabled: z.boolean().default(true),
      evaluation_interval: durationMs.default(60_000),
      /** The URL alerts link back to (`generatorURL`); default `http://<listen_address>`. */
      external_url: z.string().default(''),
      /** Mimir's `ruler.alertmanager_url`: comma-separated Alertmanager URLs (a path such as `/alertmanager` is the API prefix); each tenant's alerts carry its `X-Scope-OrgID`. Empty: the built-in Alertmanager in `--target all`, else none. */
      alertmanager_url: z.string().default(''),
    })
    .prefault({}),
}));

export type MimirConfig = z.output<typeof mimirSection>;
