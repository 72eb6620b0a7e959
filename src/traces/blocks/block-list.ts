import { Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/index.js';
import { TraceBlock, storeBlock, type BlockMeta } from './trace-block.js';
import type { EncodedBlock } from './block-encoder.js';

export interface BlockListOptions {
  objectStore: ObjectStore;
  /** Key prefix of the blocks in the object store (`<bucket>/<tenant>/<blockId>/`), e.g. `tempo-traces`. */
  bucket: string;
  logger: Logger;
  registry?: Registry;
  /** Memory budget for cached block search columns (default 512 MiB); least recently used blocks are evicted. */
  searchCacheBytes?: number;
  /**
   * Memory budget for cached block indexes (default 128 MiB: ~52 bytes a trace, 2.5M traces); least recently used
   * are evicted. A block written here starts with its index and bloom filter cached.
   */
  indexCacheBytes?: number;
}

/** What a block holds in memory for one kind of read: its size, when it was last used, and how to drop it. */
interface BlockCache {
  bytes(b: TraceBlock): number;
  used(b: TraceBlock): number;
  evict(b: TraceBlock): void;
}
const SEARCH_CACHE: BlockCache = { bytes: (b) => b.searchBytes, used: (b) => b.lastUsed, evict: (b) => b.evict() };
const INDEX_CACHE: BlockCache = { bytes: (b) => b.indexBytes, used: (b) => b.indexUsed, evict: (b) => b.evictIndex() };

/**
 * The blocks of every tenant in the object store (Tempo's blocklist): loaded from the `meta.json` objects at open,
 * added to by block cuts and compaction, shrunk by retention. Maintenance (cuts, compaction, retention) runs one
 * at a time through `maintenance`; blocks replaced while queries run keep their objects until the last query
 * (`reading`) finishes.
 */
export class BlockList {
  private readonly blocks = new Map<string, TraceBlock[]>();
  /** Queries in progress, and replaced blocks whose objects are deleted once none is. */
  private readers = 0;
  private doomed: TraceBlock[] = [];
  private serial: Promise<unknown> = Promise.resolve();
  private readonly lengthGauge?: Gauge;

  private constructor(private readonly opts: BlockListOptions) {
    if (opts.registry) {
      this.lengthGauge = new Gauge({ name: 'tempodb_blocklist_length', help: 'Total number of blocks per tenant.', labelNames: ['tenant'], registers: [opts.registry] });
    }
  }

  /** Load every block meta under the bucket prefix; finish deleting sources of compactions a crash interrupted. */
  static async open(opts: BlockListOptions): Promise<BlockList> {
    const list = new BlockList(opts);
    await list.load();
    return list;
  }

  private async load(): Promise<void> {
    const { objectStore, bucket, logger } = this.opts;
    const keys = await objectStore.list(`${bucket}/`);
    for (const k of keys) {
      if (!k.endsWith('/meta.json')) continue;
      try {
        const meta = JSON.parse((await objectStore.get(k)).toString('utf8')) as BlockMeta;
        this.add(new TraceBlock(objectStore, k.slice(0, -'/meta.json'.length), meta));
      } catch (e) {
        logger.warn({ component: 'traces', key: k, err: e }, 'skipping unreadable block meta');
      }
    }
    // A crash between writing a compacted block and deleting its sources leaves both: the sources go now.
    for (const [tenant, list] of this.blocks) {
      const replaced = new Set(list.flatMap((b) => b.meta.compactedFrom ?? []));
      if (replaced.size === 0) continue;
      const keep: TraceBlock[] = [];
      for (const b of list) {
        if (replaced.has(b.meta.blockId)) await this.deleteObjects(b);
        else keep.push(b);
      }
      this.set(tenant, keep);
    }
  }

  /** Run maintenance after every maintenance step queued before it; a failed step does not stop later ones. */
  maintenance<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Run a query; blocks replaced meanwhile keep their objects until no query is running. */
  async reading<T>(fn: () => Promise<T>): Promise<T> {
    const release = this.hold();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** As `reading`, for a read that is not one call (a scan handed out page by page): call the result once it ends. */
  hold(): () => void {
    this.readers++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.readers--;
      if (this.readers === 0 && this.doomed.length > 0) void this.deleteDoomed();
    };
  }

  /** Store an encoded block (a head cut, a compaction; see `encodeBlock`) for `tenant` and add it, its index and bloom filter cached. */
  async writeEncoded(tenant: string, encoded: EncodedBlock, lineage: Pick<BlockMeta, 'compactionLevel' | 'compactedFrom'> = {}): Promise<TraceBlock> {
    const block = this.added(await storeBlock(this.opts.objectStore, this.opts.bucket, tenant, encoded, lineage));
    block.warm(encoded);
    this.enforceIndexCache();
    return block;
  }

  private added(meta: BlockMeta): TraceBlock {
    const block = new TraceBlock(this.opts.objectStore, `${this.opts.bucket}/${meta.tenant}/${meta.blockId}`, meta);
    this.add(block);
    return block;
  }

  /** Swap `inputs` for `output` (already added by `write`); the inputs' objects go once no query reads them. */
  replace(tenant: string, inputs: TraceBlock[]): void {
    const gone = new Set(inputs);
    this.set(
      tenant,
      this.forTenant(tenant).filter((b) => !gone.has(b)),
    );
    this.doomed.push(...inputs);
  }

  /** Remove blocks now and delete their objects (retention). */
  async drop(tenant: string, remove: TraceBlock[]): Promise<void> {
    const gone = new Set(remove);
    this.set(
      tenant,
      this.forTenant(tenant).filter((b) => !gone.has(b)),
    );
    for (const b of remove) await this.deleteObjects(b);
  }

  /** Blocks of a tenant in start-time order. */
  forTenant(tenant: string): readonly TraceBlock[] {
    return this.blocks.get(tenant) ?? [];
  }

  tenants(): string[] {
    return [...this.blocks.keys()];
  }

  metas(tenant: string): BlockMeta[] {
    return this.forTenant(tenant).map((b) => b.meta);
  }

  /** Bytes of block search columns currently cached. */
  cachedSearchBytes(): number {
    return this.cached(SEARCH_CACHE).reduce((n, b) => n + b.searchBytes, 0);
  }

  /** Evict least recently used search columns beyond the memory budget. */
  enforceSearchCache(): void {
    this.enforce(SEARCH_CACHE, this.opts.searchCacheBytes ?? 512 * 1024 * 1024);
  }

  /** Bytes of block indexes currently cached. */
  cachedIndexBytes(): number {
    return this.cached(INDEX_CACHE).reduce((n, b) => n + b.indexBytes, 0);
  }

  /** Evict least recently used block indexes beyond the memory budget. */
  enforceIndexCache(): void {
    this.enforce(INDEX_CACHE, this.opts.indexCacheBytes ?? 128 * 1024 * 1024);
  }

  private cached(c: BlockCache): TraceBlock[] {
    return [...this.blocks.values()].flat().filter((b) => c.bytes(b) > 0);
  }

  private enforce(c: BlockCache, budget: number): void {
    const loaded = this.cached(c);
    let total = loaded.reduce((n, b) => n + c.bytes(b), 0);
    if (total <= budget) return;
    loaded.sort((x, y) => c.used(x) - c.used(y));
    for (const b of loaded) {
      if (total <= budget) break;
      total -= c.bytes(b);
      c.evict(b);
    }
  }

  /** Delete replaced blocks now if no query is running. */
  async collectReplaced(): Promise<void> {
    if (this.readers === 0) await this.deleteDoomed();
  }

  /** Wait for queued maintenance, then delete replaced blocks if no query is running; close the blocks' open data objects. */
  async close(): Promise<void> {
    await this.serial;
    await this.collectReplaced();
    for (const list of this.blocks.values()) for (const b of list) b.closeReader();
  }

  private add(b: TraceBlock): void {
    const list = [...this.forTenant(b.meta.tenant), b];
    list.sort((x, y) => x.meta.minStartMs - y.meta.minStartMs);
    this.set(b.meta.tenant, list);
  }

  private set(tenant: string, list: TraceBlock[]): void {
    this.blocks.set(tenant, list);
    this.lengthGauge?.set({ tenant }, list.length);
  }

  /** Delete a block's objects, `meta.json` first so a partly deleted block is never visible. */
  private async deleteObjects(b: TraceBlock): Promise<void> {
    b.closeReader();
    await this.opts.objectStore.delete(`${b.dir}/meta.json`);
    for (const k of await this.opts.objectStore.list(`${b.dir}/`)) await this.opts.objectStore.delete(k);
  }

  private async deleteDoomed(): Promise<void> {
    const list = this.doomed;
    this.doomed = [];
    for (const b of list) {
      try {
        await this.deleteObjects(b);
      } catch (e) {
        this.opts.logger.warn({ component: 'traces', block: b.meta.blockId, err: e }, 'deleting a compacted block failed');
      }
    }
  }
}
