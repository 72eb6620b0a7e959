import type { Labels } from '../../model/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { ChunkCache } from './chunk-cache.js';
import { CHUNK_ENCODINGS, decodeChunk, encodeChunk, type ChunkColumns, type ChunkEncodingName, type DecodedChunk } from './chunk-codec.js';
import { ChunkIndex, type ChunkRef, type StoredStream } from './chunk-index.js';
import { chunkKey, indexFileKey, indexPrefix, parseIndexFileKey, type IndexFileJson, type WalMark } from './index-file.js';
import type { StreamIndex } from './stream-index.js';

export interface ChunkStoreOptions {
  objects: ObjectStore;
  /** Key prefix in the object store (the bucket name in the seed, `loki-data`). */
  prefix: string;
  /** Index period (one index file per tenant, period and flush). */
  indexPeriodMs: number;
  /** Chunk compression (default deflate). */
  chunkEncoding?: ChunkEncodingName;
  /** Decoded chunks kept in memory for in-thread queries (bytes of line data; default 256 MiB). */
  chunkCacheBytes?: number;
  /** Stored (compressed) chunks kept in memory for the query workers, which decode them (bytes; default 64 MiB). */
  storedChunkCacheBytes?: number;
}

/** A stored chunk's local file (a filesystem object store's), for a query worker to read (`ChunkFileReader`). */
export interface StoredChunkFile {
  path: string;
  /** Its object key (for the not-found error). */
  key: string;
  /** Its size in bytes, as the index file records it. */
  size: number;
}

/** A sealed block to be written as one chunk. */
export interface ChunkToWrite {
  minT: bigint;
  maxT: bigint;
  /** Uncompressed line bytes. */
  bytes: number;
  columns: ChunkColumns;
}

/** The chunks of one stream written by a flush. */
export interface StreamChunks {
  labels: Labels;
  chunks: ChunkToWrite[];
}

/**
 * Chunks and index files in the object store: writes a flush's chunks then its index file per tenant and period,
 * keeps every index file in memory (postings per tenant), serves decoded chunks through an LRU cache, and applies
 * retention by whole index periods.
 */
export class ChunkStore {
  readonly index = new ChunkIndex();
  private readonly cache: ChunkCache<DecodedChunk>;
  private readonly storedCache: ChunkCache<Buffer>;

  private constructor(private readonly opts: ChunkStoreOptions) {
    this.cache = new ChunkCache(async (key) => decodeChunk(await opts.objects.get(key)), opts.chunkCacheBytes ?? 256 * 1024 * 1024, (d) => d.data.length);
    this.storedCache = new ChunkCache((key) => opts.objects.get(key), opts.storedChunkCacheBytes ?? 64 * 1024 * 1024, (b) => b.length);
  }

  /** Open the store: every index file under the prefix is loaded. */
  static async open(opts: ChunkStoreOptions): Promise<ChunkStore> {
    const s = new ChunkStore(opts);
    for (const f of await opts.objects.list(indexPrefix(opts.prefix))) {
      const at = parseIndexFileKey(f);
      if (!at) continue;
      const json = JSON.parse((await opts.objects.get(f)).toString('utf8')) as IndexFileJson;
      s.index.add(at.tenant, at.period, f, json);
    }
    return s;
  }

  /** The index period of a timestamp (ns). */
  periodOf(ns: bigint): number {
    return Math.floor(Number(ns / 1_000_000n) / this.opts.indexPeriodMs);
  }

  /** The first nanosecond of period `p` (p >= 0) and of the next one. */
  periodBounds(p: number): [bigint, bigint] {
    const ms = BigInt(this.opts.indexPeriodMs);
    return [BigInt(p) * ms * 1_000_000n, BigInt(p + 1) * ms * 1_000_000n];
  }

  /** Stored streams of a tenant, with postings (undefined when it has none). */
  streams(tenant: string): StreamIndex<StoredStream> | undefined {
    return this.index.streams(tenant);
  }

  /**
   * Write the chunks of one tenant and period, then one index file naming them and the WAL position `wal` (chunks
   * first: an index file never names a missing chunk). Once this resolves the chunks are queryable from the store.
   */
  async writePeriod(tenant: string, period: number, streams: readonly StreamChunks[], wal: WalMark): Promise<void> {
    const encoding = CHUNK_ENCODINGS[this.opts.chunkEncoding ?? 'deflate'];
    const json: IndexFileJson = { wal, streams: [] };
    for (const s of streams) {
      const chunks: IndexFileJson['streams'][number]['chunks'] = [];
      for (const c of s.chunks) {
        const data = await encodeChunk(c.columns, encoding);
        const key = chunkKey(this.opts.prefix, tenant, period, c.minT, c.maxT);
        await this.opts.objects.put(key, data);
        chunks.push({ key, minT: String(c.minT), maxT: String(c.maxT), entries: c.columns.lines.length, bytes: c.bytes, size: data.length });
      }
      json.streams.push({ labels: s.labels.toObject(), chunks });
    }
    const file = indexFileKey(this.opts.prefix, tenant, period, Date.now());
    await this.opts.objects.put(file, Buffer.from(JSON.stringify(json)));
    this.index.add(tenant, period, file, json);
  }

  /** A chunk decoded (from the cache, or fetched and decoded once however many queries ask at the same time). */
  chunk(ref: ChunkRef): Promise<DecodedChunk> {
    return this.cache.get(ref.key);
  }

  /**
   * A chunk for a query worker to decode: as stored (compressed), from the stored-chunk cache; else, when the object
   * store keeps its objects in local files, the file for the worker to read itself (synchronously, off this thread;
   * not cached here — the operating system's page cache keeps it); else fetched once (however many queries ask at
   * the same time) and cached.
   */
  async storedOrFile(ref: ChunkRef): Promise<Buffer | StoredChunkFile> {
    const hit = this.storedCache.peek(ref.key);
    if (hit) return hit;
    const path = this.opts.objects.localPath?.(ref.key);
    return path !== undefined ? { path, key: ref.key, size: ref.size } : this.storedCache.get(ref.key);
  }

  /** Delete whole index periods (and their chunks) whose every chunk ended before `now - retention(tenant)`. */
  async applyRetention(nowMs: number, retentionMs: (tenant: string) => number): Promise<number> {
    let deleted = 0;
    for (const tenant of this.index.tenantIds()) {
      const ret = retentionMs(tenant);
      if (ret <= 0) continue;
      const cutoff = BigInt(nowMs - ret) * 1_000_000n;
      for (const [period, pf] of [...this.index.periods(tenant)]) {
        if (!pf.chunks.every((c) => c.ref.maxT < cutoff)) continue;
        for (const c of pf.chunks) {
          await this.opts.objects.delete(c.ref.key).catch(() => {});
          this.cache.drop(c.ref.key);
          this.storedCache.drop(c.ref.key);
          deleted++;
        }
        for (const f of pf.files) await this.opts.objects.delete(f).catch(() => {});
        this.index.dropPeriod(tenant, period);
      }
    }
    return deleted;
  }
}
