import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Overrides, type TracesConfig } from '../config/index.js';
import type { Component, ComponentContext } from '../server/index.js';
import { DEFAULT_TENANT, createHttpServer, defaultMemoryLimit, listen } from '../server/index.js';
import { ConcurrencyGate, workerHeapMb } from '../lib/worker-pool/index.js';
import { closeObjectStore, openObjectStore, type ObjectStore } from '../storage/index.js';
import { RemoteWriteTarget, type TracesConsumer } from '../otlp/index.js';
import type { Appendable } from '../metrics/index.js';
import { httpTracesConsumer, registerJaegerRoutes, registerTempoApi, registerZipkinRoutes } from './api/index.js';
import { MetricsGenerator } from './generator/index.js';
import { TracePipeline } from './pipeline.js';
import { TraceqlPool, localTraceql, pooledTraceql } from './traceql/index.js';

export interface TracesStartOptions {
  /** The object store for blocks, owned by the caller (default: the one `traces.storage` names, owned here). */
  objectStore?: ObjectStore;
  /** Where the metrics generator writes (the metrics store of this process); default: its remote write, if any. */
  metrics?: Appendable;
  /**
   * With `traces.multitenancy_enabled`: the tenant's own metrics store (Mimir's per-tenant TSDB), where that
   * tenant's span metrics go (else remote write as the tenant); never the shared `metrics` store.
   */
  metricsForTenant?: (tenant: string) => Promise<Appendable>;
}

/** The running Tempo role; `traces` is its distributor, what the OTLP receivers hand spans to. */
export interface TracesComponent extends Component {
  readonly traces: TracesConsumer;
}

/** The object store of `traces.storage`: the filesystem (default `<data-dir>/objects`) or an S3-compatible bucket. */
export function openTracesBucket(cfg: TracesConfig['storage'], dataDir: string): ObjectStore {
  return openObjectStore(cfg, join(dataDir, 'objects'));
}

/**
 * The Tempo role: the trace store (WAL, head, blocks in the object store, retention) and the Tempo HTTP API on
 * `traces.listen_address` (3200). The returned `traces` consumer is the OTLP receivers' trace sink.
 */
export async function startTraces(ctx: ComponentContext, opts: TracesStartOptions = {}): Promise<TracesComponent> {
  const cfg = ctx.config.traces;
  const log = ctx.logger.child({ component: 'traces' });
  // One generator per tenant: a tenant's span metrics and service graph are built from its spans only.
  const generators = new Map<string, MetricsGenerator>();
  const generatorFor = (tenant: string) => {
    let g = generators.get(tenant);
    if (!g) generators.set(tenant, (g = new MetricsGenerator({ waitMs: cfg.metrics_generator.service_graphs_wait, maxPendingEdges: cfg.metrics_generator.max_pending_edges, peerAttributes: cfg.metrics_generator.service_graphs_peer_attributes })));
    return g;
  };
  const overrides = new Overrides(cfg.limits, cfg.overrides);
  const objectStore = opts.objectStore ?? openTracesBucket(cfg.storage, ctx.dataDir);
  const releaseStore = () => {
    if (!opts.objectStore) closeObjectStore(objectStore);
  };
  let pipeline: TracePipeline;
  try {
    pipeline = await TracePipeline.open({
      onAccepted: cfg.metrics_generator.enabled ? (tenant, rs) => generatorFor(tenant).observe(rs) : undefined,
      walDir: join(ctx.dataDir, 'traces', 'wal'),
      objectStore,
      bucket: cfg.bucket,
      logger: ctx.logger,
      registry: ctx.registry,
      overrides,
      retentionMs: cfg.retention,
      maxBlockDurationMs: cfg.ingester.max_block_duration,
      maxBlockBytes: cfg.ingester.max_block_bytes,
      walFsyncIntervalMs: cfg.ingester.wal_fsync_interval,
      searchCacheBytes: cfg.search.block_cache_size,
      compactionMaxBlockBytes: cfg.compactor.max_block_bytes,
      compactionMaxInputBlocks: cfg.compactor.max_input_blocks,
      blockWorker: true,
      onBlockWorkerExit: (reason) => log.warn({ reason }, 'trace block writer worker replaced'),
    });
  } catch (e) {
    releaseStore();
    throw e;
  }
  const shutdown = async () => {
    await queryPool?.close();
    await pipeline.close();
    releaseStore();
  };
  // TraceQL searches, metrics queries and filtered tag values run in worker threads (`traces.query.workers`),
  // admitted `traces.query.max_concurrent` at a time; trace-by-ID and tag lookups stay on this thread, time-sliced.
  // All have the deadline `traces.query.timeout`.
  const q = cfg.query;
  const queryPool = q.workers > 0 ? new TraceqlPool({ workers: q.workers, maxWorkerHeapMb: workerHeapMb(q.worker_heap_limit, ctx.config.server.memory_limit ?? defaultMemoryLimit(), q.workers), registry: ctx.registry, onWorkerExit: (reason) => log.warn({ reason }, 'TraceQL query worker replaced') }) : undefined;
  const gate = new ConcurrencyGate(q.max_concurrent);
  gate.registerMetrics(ctx.registry, {
    queries: ['sightline_traceql_queries', 'TraceQL API queries being evaluated or waiting for a slot.'],
    max: ['sightline_traceql_queries_concurrent_max', 'TraceQL API queries evaluated at once (traces.query.max_concurrent).'],
  });
  const sink = httpTracesConsumer(pipeline.distributor);
  const tenancy = { multiTenant: cfg.multitenancy_enabled, defaultTenant: DEFAULT_TENANT.tempo };
  const app = createHttpServer({ name: 'traces', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry });
  registerTempoApi(app, {
    store: pipeline.querier,
    tenancy,
    search: {
      defaultLimit: cfg.search.default_limit,
      maxLimit: cfg.search.max_limit,
      defaultSpss: cfg.search.default_spans_per_span_set,
      maxSpss: cfg.search.max_spans_per_span_set,
      maxDurationMs: (tenant) => overrides.forTenant(tenant).max_search_duration || cfg.search.max_duration,
    },
    flush: () => pipeline.ingester.cutBlocks(true),
    traceql: queryPool ? pooledTraceql(queryPool, pipeline.querier, q.timeout) : localTraceql(pipeline.querier),
    gate,
    timeoutMs: q.timeout,
    maxBytesPerTrace: (tenant) => overrides.forTenant(tenant).max_bytes_per_trace,
    maxBytesPerTagValuesQuery: (tenant) => overrides.forTenant(tenant).max_bytes_per_tag_values_query,
  });
  let port: number;
  try {
    port = await listen(app, cfg.listen_address);
  } catch (e) {
    await shutdown();
    throw e;
  }
  let zipkin: FastifyInstance | undefined;
  let zipkinPort: number | undefined;
  if (cfg.zipkin.enabled) {
    zipkin = createHttpServer({ name: 'zipkin', listenAddress: cfg.zipkin.listen_address, logger: ctx.logger, registry: ctx.registry });
    registerZipkinRoutes(zipkin, { store: sink, tenancy });
    try {
      zipkinPort = await listen(zipkin, cfg.zipkin.listen_address);
    } catch (e) {
      await app.close();
      await shutdown();
      throw e;
    }
  }
  let jaeger: FastifyInstance | undefined;
  let jaegerPort: number | undefined;
  if (cfg.jaeger.enabled) {
    jaeger = createHttpServer({ name: 'jaeger', listenAddress: cfg.jaeger.listen_address, logger: ctx.logger, registry: ctx.registry });
    registerJaegerRoutes(jaeger, { store: sink, tenancy });
    try {
      jaegerPort = await listen(jaeger, cfg.jaeger.listen_address);
    } catch (e) {
      await zipkin?.close();
      await app.close();
      await shutdown();
      throw e;
    }
  }
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void (async () => {
      try {
        await pipeline.ingester.cutBlocks(false);
        await pipeline.applyRetention();
      } catch (e) {
        log.error({ err: e }, 'trace store maintenance failed');
      } finally {
        ticking = false;
      }
    })();
  }, cfg.ingester.flush_check_period);
  timer.unref();
  const compactTimer = cfg.compactor.enabled
    ? setInterval(() => void pipeline.compactor.compact().catch((e: unknown) => log.error({ err: e }, 'trace block compaction failed')), cfg.compactor.compaction_cycle)
    : undefined;
  compactTimer?.unref();
  const rw = cfg.metrics_generator.remote_write;
  const remote = rw
    ? new RemoteWriteTarget({ url: rw.url, headers: rw.headers, timeoutMs: rw.remote_timeout, maxRetries: rw.max_retries })
    : undefined;
  const collect = async () => {
    for (const [tenant, generator] of generators) {
      try {
        // Single-tenant: the metrics store in this process when there is one, otherwise remote write. Multi-tenant:
        // the tenant's store, otherwise remote write as the tenant.
        const target = cfg.multitenancy_enabled ? (opts.metricsForTenant ? await opts.metricsForTenant(tenant) : remote?.forTenant(tenant)) : (opts.metrics ?? remote);
        if (target) await generator.collect(target);
      } catch (e) {
        log.warn({ err: e, tenant }, 'writing generated metrics failed');
      }
    }
  };
  const genTimer = cfg.metrics_generator.enabled ? setInterval(() => void collect(), cfg.metrics_generator.collection_interval) : undefined;
  genTimer?.unref();
  log.info({ address: cfg.listen_address, port }, 'Tempo API listening');
  return {
    name: 'traces',
    traces: sink,
    ports: {
      tempo: port,
      ...(zipkinPort === undefined ? {} : { zipkin: zipkinPort }),
      ...(jaegerPort === undefined ? {} : { jaeger: jaegerPort }),
    },
    async stop() {
      clearInterval(timer);
      if (compactTimer) clearInterval(compactTimer);
      if (genTimer) clearInterval(genTimer);
      await zipkin?.close();
      await jaeger?.close();
      await app.close();
      await shutdown();
    },
  };
}
