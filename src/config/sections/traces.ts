import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { byteSize, durationMs, listenAddress, queryWorkers } from '../zod-helpers.js';
import { objectStorageSchema } from './object-storage.js';
import { listenerSecurityFields } from './web-config.js';

/**
 * Per-tenant limits of the Tempo role, with the names of Tempo's (legacy, flat) `overrides` block. Durations in
 * ms, sizes in bytes.
 *
 * ```yaml
 * traces:
 *   limits: { ingestion_rate_limit_bytes: 15MB, max_traces_per_user: 50000 }
 *   overrides:
 *     team-a: { max_bytes_per_trace: 20MB, block_retention: 72h }
 * ```
 */
const traceLimitFields = lazySchema(() => ({
  /** Bytes/s of span data per tenant, token-bucket refill rate; 0 = unlimited. */
  ingestion_rate_limit_bytes: byteSize,
  ingestion_burst_size_bytes: byteSize,
  /**
   * Traces of the tenant in the ingester's live head; spans of further traces are refused (LIVE_TRACES_EXCEEDED);
   * 0 = unlimited. Tempo's default is 10,000 with traces leaving the live set after 10 s idle; here the live head
   * keeps a trace until the next block cut, so the default is 0.
   */
  max_traces_per_user: z.number().int().nonnegative(),
  /** Spans of a trace beyond this size are refused (TRACE_TOO_LARGE); 0 = no limit. */
  max_bytes_per_trace: byteSize,
  /**
   * Bytes of distinct values one tag-values lookup collects (v1: the values; v2: types and values), unfiltered or
   * with `q=`; the values found before the limit are the answer (200, as Tempo). 0 = unlimited.
   */
  max_bytes_per_tag_values_query: byteSize,
  /** Largest search time range; 0 = `traces.search.max_duration` (Tempo: the query frontend's). */
  max_search_duration: durationMs,
  /** Blocks whose newest span is older than this are deleted; 0 = `traces.retention` (Tempo: the compactor's). */
  block_retention: durationMs,
}));

export const traceLimitsSchema = lazySchema(() => z.strictObject({
  ingestion_rate_limit_bytes: traceLimitFields.ingestion_rate_limit_bytes.default(15_000_000),
  ingestion_burst_size_bytes: traceLimitFields.ingestion_burst_size_bytes.default(20_000_000),
  max_traces_per_user: traceLimitFields.max_traces_per_user.default(0),
  max_bytes_per_trace: traceLimitFields.max_bytes_per_trace.default(5_000_000),
  // Tempo's default since 2.7 (`10e5`; 5,000,000 before).
  max_bytes_per_tag_values_query: traceLimitFields.max_bytes_per_tag_values_query.default(1_000_000),
  max_search_duration: traceLimitFields.max_search_duration.default(0),
  block_retention: traceLimitFields.block_retention.default(0),
}));

/** A tenant's overrides: any subset of the limits, no defaults filled in. */
export const traceOverridesSchema = lazySchema(() => z.strictObject(traceLimitFields).partial());

export type TraceLimits = z.output<typeof traceLimitsSchema>;

/** The Tempo role: trace store and Tempo HTTP API (3200). */
export const tracesSection = lazySchema(() => z.strictObject({
  listen_address: listenAddress.default('127.0.0.1:3200'),
  ...listenerSecurityFields,
  /** Require `X-Scope-OrgID`; otherwise everything belongs to `single-tenant`. */
  multitenancy_enabled: z.boolean().default(false),
  /**
   * Where trace blocks live (Tempo's `storage.trace`): the filesystem (default `<data-dir>/objects`, shared with
   * the other pillars in one process) or an S3-compatible bucket.
   *
   * ```yaml
   * storage: { backend: s3, s3: { endpoint: minio:9000, bucket: tempo-traces, secret_access_key: ${S3_SECRET}, insecure: true } }
   * ```
   */
  storage: objectStorageSchema('traces'),
  /** Key prefix of trace blocks inside the object store (`<bucket>/<tenant>/<block>/`; Tempo's bucket in the seed). */
  bucket: z.string().regex(/^[a-zA-Z0-9._-]+$/).default('tempo-traces'),
  /** Blocks older than this are deleted (Tempo's compactor `block_retention`); per tenant: `limits.block_retention`. */
  retention: durationMs.default(720 * 3600_000),
  /** Zipkin v2 JSON receiver (`POST /api/v2/spans`), as Tempo's distributor accepts it. */
  zipkin: z
    .strictObject({
      enabled: z.boolean().default(true),
      listen_address: listenAddress.default('127.0.0.1:9411'),
      ...listenerSecurityFields,
    })
    .prefault({}),
  /** Jaeger Thrift over HTTP (`POST /api/traces`, the Jaeger collector's port). */
  jaeger: z
    .strictObject({
      enabled: z.boolean().default(true),
      listen_address: listenAddress.default('127.0.0.1:14268'),
      ...listenerSecurityFields,
    })
    .prefault({}),
  /** Span metrics and service graphs written to the metrics store (Tempo's metrics-generator). */
  metrics_generator: z
    .strictObject({
      enabled: z.boolean().default(true),
      collection_interval: durationMs.default(15_000),
      service_graphs_wait: durationMs.default(10_000),
      max_pending_edges: z.number().int().positive().default(10_000),
      /**
       * Tempo's service-graphs `peer_attributes`: client span attributes naming the virtual server node of an edge whose
       * server never came within `service_graphs_wait`; a root server span then becomes a request from `user`
       * (`connection_type="virtual_node"`). Empty (the default here; Tempo's is peer.service, db.name, db.system):
       * unpaired spans are dropped.
       */
      service_graphs_peer_attributes: z.array(z.string().min(1)).default([]),
      /**
       * Where generated series go when no metrics store runs in this process (Tempo's
       * `metrics_generator.storage.remote_write`): a remote-write 1.0 endpoint and extra headers.
       */
      remote_write: z
        .strictObject({
          url: z.url(),
          headers: z.record(z.string(), z.string()).default({}),
          remote_timeout: durationMs.default(30_000),
          max_retries: z.number().int().nonnegative().default(5),
        })
        .optional(),
    })
    .prefault({}),
  ingester: z
    .strictObject({
      /** Cut the head into a block when its oldest data is this old ... */
      max_block_duration: durationMs.default(5 * 60_000),
      /** ... or when it holds this many bytes of span data. */
      max_block_bytes: byteSize.default(64 * 1024 * 1024),
      /** How often the head is checked for cutting and retention is applied. */
      flush_check_period: durationMs.default(10_000),
      wal_fsync_interval: durationMs.default(1000),
    })
    .prefault({}),
  /** Merges small blocks (and traces split across them) into larger ones (Tempo's compactor). */
  compactor: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** How often a compaction pass runs. */
      compaction_cycle: durationMs.default(30_000),
      /** Blocks smaller than this are merged into blocks of up to about this much span data. */
      max_block_bytes: byteSize.default(128 * 1024 * 1024),
      /** At most this many blocks per merge (Tempo's `max_compaction_objects`, counted in blocks). */
      max_input_blocks: z.number().int().min(2).default(8),
    })
    .prefault({}),
  /** Per-tenant limits, named and defaulted as Tempo's `overrides` (legacy flat form); see `traceLimitsSchema`. */
  limits: traceLimitsSchema.prefault({}),
  /** Per-tenant overrides of `limits`: tenant → any subset of the limits. */
  overrides: z.record(z.string(), traceOverridesSchema).default({}),
  /** TraceQL evaluation of the API (`/api/search` with `q=`, `/api/metrics/query_range`, `/api/metrics/query`). */
  query: z
    .strictObject({
      /** TraceQL query workers: decode spans and evaluate off the event loop (0: on the event loop); see `queryWorkers`. */
      workers: queryWorkers,
      /** Queries evaluated at once; others wait in order (Tempo's querier `max_concurrent_queries`, default 20). */
      max_concurrent: z.number().int().positive().default(20),
      /** A query or lookup is stopped this long after it arrived (504), in a worker or on the event loop (workers 0). */
      timeout: durationMs.default(30_000),
      /**
       * Heap limit of each TraceQL query worker: a query that needs more fails with 400 and its worker is replaced.
       * Default: half of `server.memory_limit` shared by the workers, at least 64 MiB.
       */
      worker_heap_limit: byteSize.optional(),
    })
    .prefault({}),
  search: z
    .strictObject({
      default_limit: z.number().int().positive().default(20),
      max_limit: z.number().int().nonnegative().default(0),
      default_spans_per_span_set: z.number().int().positive().default(3),
      /** Largest `spss` a search may ask for (400 beyond it; 0 = unlimited), as Tempo's query frontend. */
      max_spans_per_span_set: z.number().int().nonnegative().default(100),
      /** Largest search time range (0 = unlimited); per tenant: `limits.max_search_duration`. */
      max_duration: durationMs.default(168 * 3600_000),
      /** Memory for cached block search columns; least recently used blocks are evicted beyond it. */
      block_cache_size: byteSize.default(512 * 1024 * 1024),
    })
    .prefault({}),
}));

export type TracesConfig = z.output<typeof tracesSection>;
