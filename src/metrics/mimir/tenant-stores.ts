import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/index.js';
import type { MimirConfig } from '../../config/index.js';
import { Engine } from '../promql/index.js';
import type { Queryable, Querier } from '../storage-api/interface.js';
import { Tsdb, type BlockMeta } from '../tsdb/index.js';
import { uploadBlock } from './block-shipper.js';
import { BucketBlocks } from './bucket-blocks.js';
import { BucketBlocksQuerier } from './bucket-querier.js';
import { MergeQuerier } from './merge-querier.js';
import type { MimirMetrics } from './mimir-metrics.js';
import { ShippedFile } from './shipped-file.js';
import { DiskCacheBudget } from './disk-cache-budget.js';

/** What a query of one tenant reads: a queryable and a PromQL engine over it; `tsdb` when it has one here. */
export interface TenantView {
  tenant: string;
  bucket: BucketBlocks;
  queryable: Queryable;
  engine: Engine;
  tsdb?: Tsdb;
}

/** What one tenant has: its ingester TSDB, its bucket blocks, and a PromQL engine over both. */
export interface TenantStore extends TenantView {
  tsdb: Tsdb;
  /** Head + local blocks merged with the bucket blocks. */
  queryable: Queryable;
  /** Which local blocks were shipped already. */
  shipped: ShippedFile;
}

export interface TenantStoresOptions {
  config: MimirConfig;
  dataDir: string;
  store: ObjectStore;
  metrics: MimirMetrics;
  logger: Logger;
  /** A tenant's `out_of_order_time_window` limit (0 = out-of-order samples refused). */
  outOfOrderWindowFor?: (tenant: string) => number;
}

/**
 * The tenants of the Mimir role: one TSDB per tenant under `<data>/mimir/tsdb/<tenant>` (opened on first write or
 * read, all closed on `close()`), each shipping the blocks it cuts to `<tenant>/<ULID>/` in the bucket before its
 * local retention may delete them. Tenants never share a TSDB, a bucket prefix or a cache directory.
 */
export class TenantStores {
  private readonly open = new Map<string, Promise<TenantStore>>();
  private readonly buckets = new Map<string, BucketBlocks>();
  private readonly readOnly = new Map<string, TenantView>();
  readonly cacheBudget: DiskCacheBudget;
  private closed = false;

  constructor(private readonly opts: TenantStoresOptions) {
    this.cacheBudget = new DiskCacheBudget(opts.config.bucket_cache_size);
  }

  get tsdbRoot(): string {
    return join(this.opts.dataDir, 'mimir', 'tsdb');
  }

  /**
   * What a read of `tenant` uses: its stores when it has written here (TSDB open or on disk), otherwise a view of its
   * bucket blocks only — a read never creates a TSDB, so arbitrary org ids on queries leave nothing on disk.
   */
  async forRead(tenant: string): Promise<TenantView> {
    if (this.open.has(tenant) || existsSync(join(this.tsdbRoot, tenant))) return this.get(tenant);
    let v = this.readOnly.get(tenant);
    if (!v) {
      const bucket = this.bucketFor(tenant);
      const queryable: Queryable = {
        async querier(mint: number, maxt: number): Promise<Querier> {
          return new BucketBlocksQuerier(await bucket.blocksFor(mint, maxt), mint, maxt);
        },
      };
      v = { tenant, bucket, queryable, engine: this.engineFor(queryable) };
      this.readOnly.set(tenant, v);
    }
    return v;
  }

  private engineFor(queryable: Queryable): Engine {
    const q = this.opts.config.query;
    return new Engine(queryable, { lookbackDelta: q.lookback_delta, maxSamples: q.max_samples, timeoutMs: q.timeout });
  }

  /** The tenant's stores, opening its TSDB on first use. */
  get(tenant: string): Promise<TenantStore> {
    if (this.closed) return Promise.reject(new Error('mimir is stopping'));
    let p = this.open.get(tenant);
    if (!p) {
      p = this.openTenant(tenant);
      this.open.set(tenant, p);
      p.catch(() => this.open.delete(tenant));
      this.opts.metrics.tenants.set(this.open.size);
    }
    return p;
  }

  /** An already opened tenant's stores (the push path opens the tenant before the receiver runs). */
  opened(tenant: string): TenantStore | undefined {
    return this.ready.get(tenant);
  }
  private readonly ready = new Map<string, TenantStore>();

  bucketFor(tenant: string): BucketBlocks {
    let b = this.buckets.get(tenant);
    if (!b) {
      const c = this.opts.config;
      b = new BucketBlocks(tenant, this.opts.store, join(this.opts.dataDir, 'mimir', 'bucket-cache', tenant), c.bucket_sync_interval, this.opts.logger, this.cacheBudget);
      this.buckets.set(tenant, b);
    }
    return b;
  }

  /** Tenants known locally (open or with a TSDB directory) or in the bucket. */
  async allTenants(): Promise<string[]> {
    const names = new Set<string>(this.open.keys());
    if (existsSync(this.tsdbRoot)) for (const e of readdirSync(this.tsdbRoot, { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
    for (const k of await this.opts.store.list('')) {
      const i = k.indexOf('/');
      if (i > 0) names.add(k.slice(0, i));
    }
    return [...names].sort();
  }

  private async openTenant(tenant: string): Promise<TenantStore> {
    const c = this.opts.config;
    const log = this.opts.logger.child({ tenant });
    const bucket = this.bucketFor(tenant);
    const tsdbDir = join(this.tsdbRoot, tenant);
    mkdirSync(tsdbDir, { recursive: true });
    const shipped = new ShippedFile(tsdbDir);
    let tsdbRef: Tsdb | null = null;
    const ship = async (meta: BlockMeta, dir: string) => {
      try {
        const bytes = await uploadBlock(this.opts.store, tenant, dir, meta);
        bucket.added(meta);
        shipped.add(meta.ulid, tsdbRef ? tsdbRef.blockMetas().map((m) => m.ulid) : [meta.ulid]);
        this.opts.metrics.blocksUploaded.inc({ user: tenant, source: 'ingester' });
        this.opts.metrics.uploadedBytes.inc({ user: tenant }, bytes);
        log.info({ ulid: meta.ulid, bytes }, 'uploaded block');
      } catch (e) {
        this.opts.metrics.uploadFailures.inc({ user: tenant });
        throw e;
      }
    };
    const tsdb = await Tsdb.open({
      dir: tsdbDir,
      retentionMs: c.local_retention,
      retentionBytes: 0,
      minBlockDurationMs: c.block_duration,
      // Ingesters do not merge blocks locally: the compactor merges them in the bucket.
      maxBlockDurationMs: c.block_duration,
      walFsyncIntervalMs: c.wal_fsync_interval,
      compactionIntervalMs: c.head_compaction_interval,
      outOfOrderWindowMs: this.opts.outOfOrderWindowFor?.(tenant) ?? 0,
      logger: log,
      onBlockWritten: ship,
      // Local retention never deletes a block cut from the head before it is in the bucket.
      keepBlock: (meta) => meta.compaction.level === 1 && !shipped.has(meta.ulid),
    });
    tsdbRef = tsdb;
    const queryable: Queryable = {
      async querier(mint: number, maxt: number): Promise<Querier> {
        const local = await tsdb.querier(mint, maxt);
        try {
          const blocks = await bucket.blocksFor(mint, maxt, new Set(tsdb.blockMetas().map((m) => m.ulid)));
          return new MergeQuerier(local, new BucketBlocksQuerier(blocks, mint, maxt));
        } catch (e) {
          local.close();
          throw e;
        }
      },
    };
    const engine = this.engineFor(queryable);
    this.readOnly.delete(tenant);
    const s: TenantStore = { tenant, tsdb, bucket, queryable, engine, shipped };
    this.ready.set(tenant, s);
    // Blocks cut before a crash, or whose upload failed, are shipped now (and again on every `shipMissing`).
    this.shipMissing(s).catch((e: unknown) => log.error({ err: e }, 'shipping local blocks failed'));
    return s;
  }

  /**
   * Upload the tenant's local blocks that the bucket does not have (as Thanos's shipper re-syncs): a block whose
   * upload failed, or one cut just before a crash. Blocks written by merges are not shipped (ingesters do not merge).
   */
  async shipMissing(s: TenantStore): Promise<number> {
    await s.bucket.sync();
    // In the bucket as itself or as a source of a merged block.
    const have = new Set((await s.bucket.list()).flatMap((m) => [m.ulid, ...m.compaction.sources]));
    let n = 0;
    const local = s.tsdb.blockMetas();
    for (const meta of local) {
      if (s.shipped.has(meta.ulid) || meta.compaction.level !== 1) continue;
      if (have.has(meta.ulid)) {
        s.shipped.add(meta.ulid, local.map((m) => m.ulid));
        continue;
      }
      const dir = join(this.tsdbRoot, s.tenant, meta.ulid);
      if (!existsSync(join(dir, 'meta.json'))) continue;
      const bytes = await uploadBlock(this.opts.store, s.tenant, dir, meta);
      s.bucket.added(meta);
      s.shipped.add(meta.ulid, local.map((m) => m.ulid));
      this.opts.metrics.blocksUploaded.inc({ user: s.tenant, source: 'ingester' });
      this.opts.metrics.uploadedBytes.inc({ user: s.tenant }, bytes);
      n++;
    }
    return n;
  }

  /** The tenants whose TSDB is open. */
  openTenants(): TenantStore[] {
    return [...this.ready.values()];
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = await Promise.allSettled([...this.open.values()]);
    for (const r of all) if (r.status === 'fulfilled') await r.value.tsdb.close();
    for (const b of this.buckets.values()) b.close();
    this.open.clear();
    this.ready.clear();
  }
}
