import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/index.js';
import { Block, type BlockMeta } from '../tsdb/index.js';
import { DELETION_MARK, META_FILE, blockPrefix } from './block-shipper.js';
import { DiskCacheBudget } from './disk-cache-budget.js';

/**
 * One tenant's blocks in the bucket, as queriers and the compactor see them. The list of blocks comes from listing
 * `<tenant>/` (refreshed every `syncIntervalMs`, and updated directly by this process's uploads and deletions);
 * a block is visible when its `meta.json` exists and it has no deletion mark. Block files are fetched on first use
 * into a local disk cache (`cacheDir/<ULID>/`) and read from there with the TSDB's lazy block reader (index
 * tables and chunks by positioned reads; the index is released again when idle).
 */
export class BucketBlocks {
  private metas = new Map<string, BlockMeta>();
  private readonly cached = new Map<string, Block>();
  private readonly loading = new Map<string, Promise<Block>>();
  private lastSync = 0;
  private syncing: Promise<void> | null = null;

  constructor(
    readonly tenant: string,
    private readonly store: ObjectStore,
    private readonly cacheDir: string,
    private readonly syncIntervalMs: number,
    private readonly logger: Logger,
    private readonly budget: DiskCacheBudget = new DiskCacheBudget(0),
  ) {}

  /** Re-list the bucket now. */
  async sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = this.doSync().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const keys = await this.store.list(`${this.tenant}/`);
    const withMeta = new Set<string>();
    const marked = new Set<string>();
    for (const k of keys) {
      const parts = k.split('/');
      if (parts.length !== 3) continue;
      if (parts[2] === META_FILE) withMeta.add(parts[1]);
      else if (parts[2] === DELETION_MARK) marked.add(parts[1]);
    }
    const next = new Map<string, BlockMeta>();
    for (const id of withMeta) {
      if (marked.has(id)) continue;
      const known = this.metas.get(id);
      if (known) {
        next.set(id, known);
        continue;
      }
      try {
        next.set(id, JSON.parse((await this.store.get(blockPrefix(this.tenant, id) + META_FILE)).toString('utf8')) as BlockMeta);
      } catch (e) {
        this.logger.warn({ err: e, tenant: this.tenant, ulid: id }, 'skipping block with unreadable meta.json');
      }
    }
    this.metas = next;
    this.lastSync = Date.now();
    this.dropUncached();
  }

  /** Block metas, oldest first (syncing first when the last listing is older than the sync interval). */
  async list(): Promise<BlockMeta[]> {
    if (Date.now() - this.lastSync >= this.syncIntervalMs || this.lastSync === 0) await this.sync();
    return [...this.metas.values()].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  }

  /** Record a block this process uploaded (visible without waiting for the next listing). */
  added(meta: BlockMeta): void {
    this.metas.set(meta.ulid, meta);
  }

  /** Forget a block this process deleted from the bucket, and its cached copy. */
  removed(ulid: string): void {
    this.metas.delete(ulid);
    this.dropUncached();
  }

  private dropUncached(): void {
    for (const [id, b] of this.cached) {
      if (this.metas.has(id)) continue;
      this.cached.delete(id);
      this.budget.remove(this.cacheKey(id));
      b.delete();
    }
  }

  private cacheKey(ulid: string): string {
    return `${this.tenant}/${ulid}`;
  }

  /**
   * The blocks overlapping [mint, maxt], each acquired (call `releaseReader()` on each when done), except those in
   * `skip` (blocks the ingester still has locally: the same ULID is the same data).
   */
  async blocksFor(mint: number, maxt: number, skip?: ReadonlySet<string>): Promise<Block[]> {
    const metas = (await this.list()).filter((m) => m.minTime <= maxt && m.maxTime > mint && !skip?.has(m.ulid));
    // Acquire each block as soon as it is open, so that fetching the next one cannot evict it from the cache.
    const blocks: Block[] = [];
    try {
      await Promise.all(
        metas.map(async (m) => {
          const b = await this.open(m);
          b.acquire();
          blocks.push(b);
        }),
      );
    } catch (e) {
      for (const b of blocks) b.releaseReader();
      throw e;
    }
    return blocks;
  }

  /** The cached local copy of a bucket block, downloaded on first use. */
  async open(meta: BlockMeta): Promise<Block> {
    const hit = this.cached.get(meta.ulid);
    if (hit) return hit;
    let p = this.loading.get(meta.ulid);
    if (!p) {
      p = this.download(meta).finally(() => this.loading.delete(meta.ulid));
      this.loading.set(meta.ulid, p);
    }
    return p;
  }

  private async download(meta: BlockMeta): Promise<Block> {
    const dir = join(this.cacheDir, meta.ulid);
    if (!existsSync(join(dir, META_FILE))) {
      const tmp = `${dir}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      const prefix = blockPrefix(this.tenant, meta.ulid);
      for (const key of await this.store.list(prefix)) {
        const rel = key.slice(prefix.length);
        if (rel === META_FILE || rel === DELETION_MARK) continue;
        const target = join(tmp, ...rel.split('/'));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, await this.store.get(key));
      }
      mkdirSync(tmp, { recursive: true });
      writeFileSync(join(tmp, META_FILE), JSON.stringify(meta));
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    }
    const b = Block.open(dir);
    b.lastUsed = Date.now();
    this.cached.set(meta.ulid, b);
    this.budget.add(this.cacheKey(meta.ulid), b, () => {
      if (this.cached.get(meta.ulid) === b) this.cached.delete(meta.ulid);
      b.delete();
    });
    return b;
  }

  /** Release cached index tables of blocks idle for longer than `idleMs`. */
  releaseIdle(idleMs: number): void {
    const now = Date.now();
    for (const b of this.cached.values()) if (b.loaded && b.readers === 0 && now - b.lastUsed > idleMs) b.release();
  }

  close(): void {
    for (const b of this.cached.values()) b.release();
  }
}
