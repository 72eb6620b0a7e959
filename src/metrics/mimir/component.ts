import { join } from 'node:path';
import type { MimirConfig } from '../../config/index.js';
import type { Component, ComponentContext } from '../../server/index.js';
import { DEFAULT_TENANT, createHttpServer, defaultMemoryLimit, listen, resolveTenant, type TenancyOptions } from '../../server/index.js';
import { FilesystemObjectStore, closeObjectStore, openObjectStore, type ObjectStore } from '../../storage/index.js';
import { registerPrometheusApi } from '../api/index.js';
import { buildInfo } from '../component.js';
import { Overrides, mimirTenantLimits } from '../limits/index.js';
import { Engine, PooledEngine, QueryPool, formatQuery, parseExpr, workerHeapMb } from '../promql/index.js';
import type { Queryable } from '../storage-api/interface.js';
import { registerRemoteWriteReceiver } from '../remote/index.js';
import { BucketCompactor } from './bucket-compactor.js';
import { mimirMetrics } from './mimir-metrics.js';
import { TenantStores, type TenantView } from './tenant-stores.js';
import { MimirRuler, builtinAlertmanagerUrl } from '../../rules/index.js';
import { MultitenantAlertmanager } from '../../alertmanager/index.js';

export interface MimirComponent extends Component {
  readonly tenants: TenantStores;
  /** One compactor pass (retention + merges) over every tenant in the bucket. */
  compactNow(): Promise<void>;
}

/** The bucket of `mimir.storage`: the filesystem (default `<data>/mimir/bucket`) or an S3-compatible store. */
export function openMimirBucket(cfg: MimirConfig['storage'], dataDir: string): ObjectStore {
  return openObjectStore(cfg, join(dataDir, 'mimir', 'bucket'));
}

/**
 * The Mimir role on one listener (8080): remote write at `/api/v1/push` (200) into one TSDB per tenant, blocks
 * shipped to the bucket and compacted and retained there, and the Prometheus API under `/prometheus/api/v1/*`
 * reading the tenant's head, local blocks and bucket blocks. The tenant is `X-Scope-OrgID` when
 * `remote.multitenancy_enabled` (401 `no org id` without it), `anonymous` otherwise.
 */
export async function startMimir(ctx: ComponentContext): Promise<MimirComponent> {
  const cfg = ctx.config.mimir;
  const log = ctx.logger.child({ component: 'mimir' });
  const store = openMimirBucket(cfg.storage, ctx.dataDir);
  const metrics = mimirMetrics(ctx.registry);
  const overrides = new Overrides(mimirTenantLimits(ctx.config.remote.limits), ctx.config.remote.overrides);
  // The tenant's `out_of_order_time_window` limit, applied to its TSDB when it opens.
  const outOfOrderWindowFor = (tenant: string) => overrides.forTenant(tenant).out_of_order_time_window;
  const tenants = new TenantStores({ config: cfg, dataDir: ctx.dataDir, store, metrics, logger: log, outOfOrderWindowFor });
  const tenancy: TenancyOptions = { multiTenant: ctx.config.remote.multitenancy_enabled, defaultTenant: DEFAULT_TENANT.mimir };
  const retentionFor = (tenant: string) => cfg.overrides[tenant]?.compactor_blocks_retention_period ?? cfg.compactor.blocks_retention_period;
  const compactor = new BucketCompactor({
    store,
    workDir: join(ctx.dataDir, 'mimir', 'compactor'),
    ranges: cfg.compactor.block_ranges.length > 0 ? cfg.compactor.block_ranges : [cfg.block_duration],
    retentionFor,
    metrics,
    logger: log,
  });
  const compactNow = async () => {
    for (const t of tenants.openTenants()) {
      try {
        // Ship what failed before, then let local retention drop what is now shipped.
        if ((await tenants.shipMissing(t)) > 0) await t.tsdb.compactHead();
      } catch (e) {
        log.error({ err: e, tenant: t.tenant }, 'shipping local blocks failed');
      }
    }
    const names = await tenants.allTenants();
    await compactor.run(names.map((n) => tenants.bucketFor(n)));
  };

  let ready = false;
  const app = createHttpServer({ name: 'mimir', listenAddress: cfg.listen_address, logger: ctx.logger, registry: ctx.registry, ready: () => ready });

  // Open the tenant's TSDB before the receiver runs (the receiver asks for the Appendable synchronously). A bad or
  // missing org id is left for the receiver to answer in its own format.
  const pushPath = '/api/v1/push';
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'POST' || req.routeOptions.url !== pushPath) return;
    let tenant: string;
    try {
      tenant = resolveTenant(req.headers, tenancy);
    } catch {
      return;
    }
    await tenants.get(tenant);
  });
  registerRemoteWriteReceiver(app, pushPath, {
    appendable: (tenant) => {
      const s = tenants.opened(tenant);
      if (!s) throw new Error(`tenant ${tenant} is not open`);
      return s.tsdb;
    },
    tenancy,
    overrides,
    registry: ctx.registry,
    maxMessageSize: ctx.config.remote.max_recv_msg_size,
  });

  // Tenant queries of the API and of the ruler run in worker threads (started on first use).
  const q = cfg.query;
  const queryPool =
    q.workers > 0
      ? new QueryPool({
          workers: q.workers,
          maxWorkerHeapMb: workerHeapMb(q.worker_heap_limit, ctx.config.server.memory_limit ?? defaultMemoryLimit(), q.workers),
          onWorkerExit: (reason) => log.warn({ reason }, 'PromQL query worker replaced'),
        })
      : undefined;
  const engineOptions = { lookbackDelta: q.lookback_delta, maxSamples: q.max_samples, timeoutMs: q.timeout };
  /** The tenant's engine: in the pool's workers, else the tenant's own (the same options either way). */
  const tenantEngine = (s: TenantView) => (queryPool ? new PooledEngine(queryPool, s.queryable, engineOptions) : s.engine);

  // Mimir's ruler: groups from the rules configuration API, kept in the ruler storage, evaluated over each tenant's data.
  const ruler = cfg.ruler.enabled
    ? new MimirRuler({
        // Mimir's default `ruler_storage`: a filesystem store of its own (the blocks bucket's top level is tenants).
        store: new FilesystemObjectStore(join(ctx.dataDir, 'mimir', 'ruler-storage')),
        localDir: join(ctx.dataDir, 'mimir', 'rules-local'),
        viewFor: async (t) => {
          const s = await tenants.forRead(t);
          return { engine: tenantEngine(s), queryable: s.queryable };
        },
        appendableFor: async (t) => (await tenants.get(t)).tsdb,
        formatQuery,
        tenancy,
        registry: ctx.registry,
        logger: log,
        evaluationInterval: cfg.ruler.evaluation_interval,
        externalURL: (cfg.ruler.external_url || `http://${cfg.listen_address}`).replace(/\/$/, ''),
        alertmanagerUrl: cfg.ruler.alertmanager_url || builtinAlertmanagerUrl(ctx),
      })
    : undefined;
  ruler?.register(app);

  // Mimir's multi-tenant Alertmanager: per-tenant configs at /api/v1/alerts, the tenant's API v2 under /alertmanager.
  const amStore = openObjectStore(cfg.alertmanager.storage, join(ctx.dataDir, 'mimir', 'alertmanager-storage'));
  const alertmanagers = new MultitenantAlertmanager({
    dataDir: join(ctx.dataDir, 'mimir', 'alertmanager'),
    store: amStore,
    tenancy,
    logger: log,
    externalUrl: () => `http://${cfg.listen_address}/alertmanager`,
    registry: ctx.registry,
    pollIntervalMs: cfg.alertmanager.poll_interval,
    persistIntervalMs: cfg.alertmanager.persist_interval,
  });
  alertmanagers.register(app);

  // Every request's dependencies come from `resolveDeps` (the tenant's); the static ones are never used.
  const noTenant: Queryable = { querier: () => Promise.reject(new Error('tenant not resolved')) };
  registerPrometheusApi(
    app,
    {
      queryable: noTenant,
      engine: new Engine(noTenant),
      configYaml: () => '',
      flags: () => ({}),
      buildInfo: buildInfo(),
    },
    {
      prefix: '/prometheus/api/v1',
      maxConcurrentQueries: cfg.query.max_concurrency,
      queryTimeoutMs: cfg.query.timeout,
      resolveDeps: async (req) => {
        const tenant = resolveTenant(req.headers, tenancy);
        const s = await tenants.forRead(tenant);
        const tsdb = s.tsdb;
        return {
          queryable: s.queryable,
          engine: tenantEngine(s),
          formatQuery,
          parseQuery: (q: string) => parseExpr(q),
          metadata: tsdb,
          exemplars: tsdb,
          tsdbStatus: tsdb ? (limit: number) => tsdb.stats(limit) : undefined,
          configYaml: () => '',
          flags: () => ({}),
          buildInfo: buildInfo(),
          rules: ruler ? () => ruler.status(tenant) : undefined,
          alerts: ruler ? () => ruler.rulers.alerts(tenant) : undefined,
        };
      },
    },
  );

  let port: number;
  try {
    await ruler?.sync();
    await alertmanagers.start();
    port = await listen(app, cfg.listen_address);
  } catch (e) {
    await alertmanagers.stop();
    closeObjectStore(amStore);
    await ruler?.stop();
    await queryPool?.close();
    await tenants.close();
    throw e;
  }
  const timer = cfg.compactor.interval > 0 ? setInterval(() => void compactNow().catch((e: unknown) => log.error({ err: e }, 'compactor failed')), cfg.compactor.interval) : null;
  timer?.unref();
  ready = true;
  log.info({ address: cfg.listen_address, port, backend: cfg.storage.backend }, 'Mimir API listening');

  return {
    name: 'mimir',
    ports: { mimir: port },
    tenants,
    compactNow,
    async stop() {
      ready = false;
      if (timer) clearInterval(timer);
      await app.close();
      await ruler?.stop();
      await alertmanagers.stop();
      closeObjectStore(amStore);
      await compactor.idle();
      await queryPool?.close();
      await tenants.close();
      closeObjectStore(store);
    },
  };
}
