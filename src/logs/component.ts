import { join } from 'node:path';
import { Overrides } from '../config/index.js';
import { registerOtlpSinks, unregisterOtlpSink } from '../otlp/index.js';
import type { Component, ComponentContext } from '../server/index.js';
import { DEFAULT_TENANT, createHttpServer, listen } from '../server/index.js';
import { FilesystemObjectStore, type ObjectStore } from '../storage/index.js';
import { attachTail, otlpLogsTarget, registerLogsRoutes } from './api/index.js';
import { Distributor, createDistributorMetrics } from './distributor/index.js';
import { LogStore } from './log-store.js';
import { LogqlEngine } from './logql/index.js';

export interface LogsDeps {
  /** The object store for chunks and indexes; default: the filesystem under `logs.object_store_dir`. */
  objects?: ObjectStore;
}

/** The Loki role: push and query APIs on `logs.listen_address` (3100), the log store and the LogQL engine. */
export async function startLogs(ctx: ComponentContext, deps: LogsDeps = {}): Promise<Component> {
  const cfg = ctx.config.logs;
  const limits = new Overrides(cfg.limits, cfg.overrides);
  const objects = deps.objects ?? new FilesystemObjectStore(cfg.object_store_dir ?? join(ctx.dataDir, 'objects'));
  const store = await LogStore.open({
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
  const engine = new LogqlEngine(store, { maxQuerySeries: (t) => limits.forTenant(t).max_query_series, timeoutMs: (t) => limits.forTenant(t).query_timeout });
  const distributor = new Distributor(store.ingester, limits, createDistributorMetrics(ctx.registry));
  const tenancy = { multiTenant: cfg.auth_enabled, defaultTenant: DEFAULT_TENANT.loki };
  const app = createHttpServer({ name: 'logs', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry });
  registerLogsRoutes(app, { store, flush: () => store.flush(), engine, distributor, tenancy, limits });
  // OTLP logs received by this process go through the same distributor as a Loki push.
  registerOtlpSinks(ctx, { logs: otlpLogsTarget(distributor) });
  const detachTail = attachTail(app.server, store.ingester, engine, tenancy, ctx.logger);
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
    async stop() {
      clearInterval(timer);
      unregisterOtlpSink(ctx, 'logs');
      detachTail();
      await app.close();
      try {
        await store.flush();
      } catch (e) {
        ctx.logger.error({ component: 'logs', err: e }, 'final flush failed; the WAL keeps the data');
      }
      await store.close();
    },
  } as Component & { engine: LogqlEngine };
}
