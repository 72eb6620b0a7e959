import { join } from 'node:path';
import type { Component, ComponentContext } from '../server/index.js';
import { DEFAULT_TENANT, createHttpServer, listen } from '../server/index.js';
import { FilesystemObjectStore, type ObjectStore } from '../storage/index.js';
import { RemoteWriteTarget, type TracesConsumer } from '../otlp/index.js';
import type { Appendable } from '../metrics/index.js';
import { MetricsGenerator } from './generator/metrics-generator.js';
import type { FastifyInstance } from 'fastify';
import { registerTempoApi } from './api/tempo-api.js';
import { registerZipkinRoutes } from './api/zipkin-api.js';
import { registerJaegerRoutes } from './api/jaeger-api.js';
import { TraceStore } from './store/trace-store.js';

export interface TracesStartOptions {
  /** The object store for blocks (default: the filesystem under `<data-dir>/objects`). */
  objectStore?: ObjectStore;
  /** Where the metrics generator writes (the metrics store of this process); default: its remote write, if any. */
  metrics?: Appendable;
}

/** The running Tempo role; `traces` is its distributor, what the OTLP receivers hand spans to. */
export interface TracesComponent extends Component {
  readonly traces: TracesConsumer;
}

/** The object store every pillar shares in the single-process default. */
export function defaultObjectStore(dataDir: string): ObjectStore {
  return new FilesystemObjectStore(join(dataDir, 'objects'));
}

/**
 * The Tempo role: the trace store (WAL, head, blocks in the object store, retention) and the Tempo HTTP API on
 * `traces.listen_address` (3200). The returned `traces` consumer is the OTLP receivers' trace sink.
 */
export async function startTraces(ctx: ComponentContext, opts: TracesStartOptions = {}): Promise<TracesComponent> {
  const cfg = ctx.config.traces;
  const log = ctx.logger.child({ component: 'traces' });
  const generator = cfg.metrics_generator.enabled
    ? new MetricsGenerator({ waitMs: cfg.metrics_generator.service_graphs_wait, maxPendingEdges: cfg.metrics_generator.max_pending_edges })
    : undefined;
  const store = await TraceStore.open({
    onAccepted: generator ? (_tenant, rs) => generator.observe(rs) : undefined,
    walDir: join(ctx.dataDir, 'traces', 'wal'),
    objectStore: opts.objectStore ?? defaultObjectStore(ctx.dataDir),
    bucket: cfg.bucket,
    logger: ctx.logger,
    registry: ctx.registry,
    retentionMs: cfg.retention,
    maxBlockDurationMs: cfg.ingester.max_block_duration,
    maxBlockBytes: cfg.ingester.max_block_bytes,
    walFsyncIntervalMs: cfg.ingester.wal_fsync_interval,
    ingestionRateBytes: cfg.limits.ingestion_rate_limit_bytes,
    ingestionBurstBytes: cfg.limits.ingestion_burst_size_bytes,
    maxBytesPerTrace: cfg.limits.max_bytes_per_trace,
    searchCacheBytes: cfg.search.block_cache_size,
    compactionMaxBlockBytes: cfg.compactor.max_block_bytes,
    compactionMaxInputBlocks: cfg.compactor.max_input_blocks,
  });
  const tenancy = { multiTenant: cfg.multitenancy_enabled, defaultTenant: DEFAULT_TENANT.tempo };
  const app = createHttpServer({ name: 'traces', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry });
  registerTempoApi(app, {
    store,
    tenancy,
    search: {
      defaultLimit: cfg.search.default_limit,
      maxLimit: cfg.search.max_limit,
      defaultSpss: cfg.search.default_spans_per_span_set,
      maxDurationMs: cfg.search.max_duration,
    },
    flush: () => store.cutBlocks(true),
  });
  let port: number;
  try {
    port = await listen(app, cfg.listen_address);
  } catch (e) {
    await store.close();
    throw e;
  }
  let zipkin: FastifyInstance | undefined;
  let zipkinPort: number | undefined;
  if (cfg.zipkin.enabled) {
    zipkin = createHttpServer({ name: 'zipkin', listenAddress: cfg.zipkin.listen_address, logger: ctx.logger, registry: ctx.registry });
    registerZipkinRoutes(zipkin, { store, tenancy });
    try {
      zipkinPort = await listen(zipkin, cfg.zipkin.listen_address);
    } catch (e) {
      await app.close();
      await store.close();
      throw e;
    }
  }
  let jaeger: FastifyInstance | undefined;
  let jaegerPort: number | undefined;
  if (cfg.jaeger.enabled) {
    jaeger = createHttpServer({ name: 'jaeger', listenAddress: cfg.jaeger.listen_address, logger: ctx.logger, registry: ctx.registry });
    registerJaegerRoutes(jaeger, { store, tenancy });
    try {
      jaegerPort = await listen(jaeger, cfg.jaeger.listen_address);
    } catch (e) {
      await zipkin?.close();
      await app.close();
      await store.close();
      throw e;
    }
  }
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void (async () => {
      try {
        await store.cutBlocks(false);
        await store.applyRetention();
      } catch (e) {
        log.error({ err: e }, 'trace store maintenance failed');
      } finally {
        ticking = false;
      }
    })();
  }, cfg.ingester.flush_check_period);
  timer.unref();
  const compactTimer = cfg.compactor.enabled
    ? setInterval(() => void store.compact().catch((e: unknown) => log.error({ err: e }, 'trace block compaction failed')), cfg.compactor.compaction_cycle)
    : undefined;
  compactTimer?.unref();
  const rw = cfg.metrics_generator.remote_write;
  const remote = rw
    ? new RemoteWriteTarget({ url: rw.url, headers: rw.headers, timeoutMs: rw.remote_timeout, maxRetries: rw.max_retries })
    : undefined;
  const collect = async () => {
    // The metrics store in this process when there is one; otherwise remote write, when configured.
    const target = opts.metrics ?? remote;
    if (generator && target) await generator.collect(target).catch((e) => log.warn({ err: e }, 'writing generated metrics failed'));
  };
  const genTimer = generator ? setInterval(() => void collect(), cfg.metrics_generator.collection_interval) : undefined;
  genTimer?.unref();
  log.info({ address: cfg.listen_address, port }, 'Tempo API listening');
  return {
    name: 'traces',
    traces: store,
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
      await store.close();
    },
  };
}
