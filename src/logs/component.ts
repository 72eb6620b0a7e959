import type { LogsPushTarget } from '../otlp/index.js';
import { otlpLogsTarget } from './push/otlp-logs-target.js';
import { join } from 'node:path';
import type { Component, ComponentContext } from '../server/index.js';
import { DEFAULT_TENANT, createHttpServer, listen } from '../server/index.js';
import { FilesystemObjectStore, type ObjectStore } from '../storage/index.js';
import { registerLogsRoutes } from './api/routes.js';
import { attachTail } from './api/tail.js';
import { LogqlEngine } from './logql/engine.js';
import { Distributor, createDistributorMetrics } from './push/distributor.js';
import { LogStore } from './store/log-store.js';

export interface LogsDeps {
  /** The object store for chunks and indexes; default: the filesystem under `logs.object_store_dir`. */
  objects?: ObjectStore;
}

/** The running Loki role; `logs` is its distributor seen as the OTLP receivers' log sink. */
export interface LogsComponent extends Component {
  readonly engine: LogqlEngine;
  readonly logs: LogsPushTarget;
}

/** The Loki role: push and query APIs on `logs.listen_address` (3100), the log store and the LogQL engine. */
export async function startLogs(ctx: ComponentContext, deps: LogsDeps = {}): Promise<LogsComponent> {
  const cfg = ctx.config.logs;
  const limits = (tenant: string) => ({ ...cfg.limits, ...(cfg.overrides[tenant] ?? {}) });
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
  const engine = new LogqlEngine(store, { maxQuerySeries: (t) => limits(t).max_query_series, timeoutMs: (t) => limits(t).query_timeout });
  const distributor = new Distributor(store, limits, createDistributorMetrics(ctx.registry));
  const tenancy = { multiTenant: cfg.auth_enabled, defaultTenant: DEFAULT_TENANT.loki };
  const app = createHttpServer({ name: 'logs', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry });
  registerLogsRoutes(app, { store, engine, distributor, tenancy, limits });
  const detachTail = attachTail(app.server, store, engine, tenancy, ctx.logger);
  const port = await listen(app, cfg.listen_address);

  const background = async () => {
    try {
      await store.flush();
      if (cfg.retention_enabled) await store.applyRetention(Date.now(), (t) => limits(t).retention_period);
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
    // OTLP logs go through the same distributor as a Loki push.
    logs: otlpLogsTarget(distributor),
    async stop() {
      clearInterval(timer);
      detachTail();
      await app.close();
      try {
        await store.flush();
      } catch (e) {
        ctx.logger.error({ component: 'logs', err: e }, 'final flush failed; the WAL keeps the data');
      }
      await store.close();
    },
  };
}
