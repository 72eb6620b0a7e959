import { join } from 'node:path';
import { Overrides } from '../config/index.js';
import type { LogsPushTarget } from '../otlp/index.js';
import type { FastifyInstance } from 'fastify';
import type { Component, ComponentContext, TenancyOptions } from '../server/index.js';
import { DEFAULT_TENANT, createHttpServer, defaultMemoryLimit, listen } from '../server/index.js';
import { closeObjectStore, openObjectStore, type ObjectStore } from '../storage/index.js';
import { attachTail, otlpLogsTarget, registerLogsRoutes } from './api/index.js';
import { Distributor, createDistributorMetrics } from './distributor/index.js';
import { LogStore } from './log-store.js';
import { ConcurrencyGate, workerHeapMb } from '../lib/worker-pool/index.js';
import { LogqlEngine, LogqlPool, PooledLogqlEngine, type LogqlEngineOptions, type LogqlQueries } from './logql/index.js';

/**
 * What the ruler hook is given: the Loki API's server (to mount the ruler APIs), what runs LogQL queries (the query
 * workers when `logs.query.workers > 0`, else the engine on this thread) and the tenancy.
 */
export interface LogsRulerHost {
  app: FastifyInstance;
  queries: LogqlQueries;
  /** The API's query gate (`logs.query.max_concurrent`), which rule queries share. */
  gate: ConcurrencyGate;
  tenancy: TenancyOptions;
}

export interface LogsDeps {
  /** The object store for chunks and indexes (tests); default: the one `logs.storage` names. */
  objects?: ObjectStore;
  /** Loki's ruler (`logs.ruler`), started by the caller (src/rules) on this role's server; stopped with it. */
  ruler?: (host: LogsRulerHost) => Promise<{ stop(): Promise<void> } | undefined>;
}

/** The running Loki role; `logs` is its distributor seen as the OTLP receivers' log sink. */
export interface LogsComponent extends Component {
  readonly engine: LogqlEngine;
  /** What runs API and rule queries: `engine`, or the engine in the query workers (`logs.query.workers > 0`). */
  readonly queries: LogqlQueries;
  readonly logs: LogsPushTarget;
}

/** The Loki role: push and query APIs on `logs.listen_address` (3100), the log store and the LogQL engine. */
export async function startLogs(ctx: ComponentContext, deps: LogsDeps = {}): Promise<LogsComponent> {
  const cfg = ctx.config.logs;
  const limits = new Overrides(cfg.limits, cfg.overrides);
  // `logs.storage` (filesystem or S3), as every pillar that persists; `object_store_dir` is the older spelling of
  // `storage.filesystem.dir`. A store handed in by the caller stays the caller's to close.
  const objects = deps.objects ?? openObjectStore({ ...cfg.storage, filesystem: { dir: cfg.storage.filesystem.dir ?? cfg.object_store_dir } }, join(ctx.dataDir, 'objects'));
  const ownsObjects = deps.objects === undefined;
  const opened = LogStore.open({
    walDir: join(ctx.dataDir, 'logs', 'wal'),
    objects,
    prefix: cfg.object_prefix,
    chunkTargetSize: cfg.chunk_target_size,
    chunkEncoding: cfg.chunk_encoding,
    maxChunkAgeNs: BigInt(cfg.max_chunk_age) * 1_000_000n,
    fsyncIntervalMs: cfg.wal_fsync_interval,
    indexPeriodMs: cfg.index_period,
    outOfOrderWindowNs: BigInt(cfg.out_of_order_window) * 1_000_000n,
    logger: ctx.logger,
  });
  const store = await opened.catch((e: unknown) => {
    if (ownsObjects) closeObjectStore(objects);
    throw e;
  });
  const engineOptions: LogqlEngineOptions = {
    maxQuerySeries: (t) => limits.forTenant(t).max_query_series,
    timeoutMs: (t) => limits.forTenant(t).query_timeout,
    maxQueryBytesRead: (t) => limits.forTenant(t).max_query_bytes_read,
    maxQuerierBytesRead: (t) => limits.forTenant(t).max_querier_bytes_read,
  };
  const engine = new LogqlEngine(store, engineOptions);
  // API queries (`query`, `query_range`, `detected_fields`), the tail's batches and rule queries run in worker threads
  // (`logs.query.workers`); API and rule queries are admitted `logs.query.max_concurrent` at a time.
  const log = ctx.logger.child({ component: 'logs' });
  const queryPool = cfg.query.workers > 0 ? new LogqlPool({ workers: cfg.query.workers, maxWorkerHeapMb: workerHeapMb(cfg.query.worker_heap_limit, ctx.config.server.memory_limit ?? defaultMemoryLimit(), cfg.query.workers), registry: ctx.registry, onWorkerExit: (reason) => log.warn({ reason }, 'LogQL query worker replaced') }) : undefined;
  const queries: LogqlQueries = queryPool ? new PooledLogqlEngine(queryPool, store, engine, engineOptions) : engine;
  const gate = new ConcurrencyGate(cfg.query.max_concurrent);
  gate.registerMetrics(ctx.registry, {
    queries: ['sightline_logql_queries', 'LogQL API queries being evaluated or waiting for a slot.'],
    max: ['sightline_logql_queries_concurrent_max', 'LogQL API queries evaluated at once (logs.query.max_concurrent).'],
  });
  const distributor = new Distributor(store.ingester, limits, createDistributorMetrics(ctx.registry));
  const tenancy = { multiTenant: cfg.auth_enabled, defaultTenant: DEFAULT_TENANT.loki };
  const app = createHttpServer({ name: 'logs', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry });
  registerLogsRoutes(app, { store, flush: () => store.flush(), queries, gate, distributor, tenancy, limits });
  const detachTail = attachTail(app.server, store.ingester, queries, tenancy, ctx.logger, { gate, limits: (t) => limits.forTenant(t) });
  const ruler = await deps.ruler?.({ app, queries, gate, tenancy });
  const port = await listen(app, cfg.listen_address);

  const background = async () => {
    try {
      await store.flush();
      if (cfg.retention_enabled) await store.applyRetention(Date.now(), (t) => limits.forTenant(t).retention_period);
    } catch (e) {
      ctx.logger.error({ component: 'logs', err: e }, 'flush failed; will retry');
    }
  };
  const timer = setInterval(() => void background(), cfg.flush_interval);
  timer.unref();
  ctx.logger.info({ component: 'logs', address: cfg.listen_address, port }, 'Loki API listening');
  return {
    name: 'logs',
    ports: { loki: port },
    engine,
    queries,
    // OTLP logs go through the same distributor as a Loki push.
    logs: otlpLogsTarget(distributor),
    async stop() {
      clearInterval(timer);
      await ruler?.stop();
      detachTail();
      await app.close();
      await queryPool?.close();
      try {
        await store.flush();
      } catch (e) {
        ctx.logger.error({ component: 'logs', err: e }, 'final flush failed; the WAL keeps the data');
      }
      await store.close();
      if (ownsObjects) closeObjectStore(objects);
    },
  };
}
