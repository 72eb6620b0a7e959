import { Labels, type Matcher } from '../../model/index.js';
import type { Head, MemBlock } from '../ingester/index.js';
import { scanBlock, sliceBlock, type BlockSlice } from '../ingester/index.js';
import type { EntryBatch, IndexStats, LogQueryable, SelectRequest, StreamShard, StreamVolume } from '../model/index.js';
import { scanChunk, type ChunkRef, type ChunkStore, type DecodedChunk, type StoredChunkFile } from '../storage/index.js';

export interface QuerierOptions {
  /** Chunks decompressed ahead of the one being scanned (default 2). */
  prefetchChunks?: number;
}

/**
 * A select without its filter, but with the filter's required literals (`LineFilterPushdown.required`), and for one
 * shard of a query split by stream, the shard's streams.
 */
export type DecodedRequest = Omit<SelectRequest, 'filter'> & { required?: readonly string[]; shard?: StreamShard };

/**
 * A chunk (decoded, or as stored: compressed, for the query worker to decode) or the part of a head block in the
 * range, of one stream, with its time bounds: what a query worker scans.
 */
export interface DecodedSource {
  labels: Labels;
  minT: bigint;
  maxT: bigint;
  chunk?: DecodedChunk;
  stored?: Buffer;
  /** A stored chunk not in the stored-chunk cache, as its local file (a filesystem store): the worker reads it. */
  file?: StoredChunkFile;
  block?: BlockSlice;
  /** Bytes of lines of the whole chunk or head block (what the bytes-read limits count; 0 for a stored chunk until decoded). */
  bytes: number;
}

/** A chunk or head block a query reads. */
interface Candidate {
  labels: Labels;
  minT: bigint;
  maxT: bigint;
  ref?: ChunkRef;
  blk?: MemBlock;
}

/**
 * Reads the ingester's head and the chunk store as one `LogQueryable` (Loki's querier asking the ingesters and the
 * store): candidates are chunks and head blocks of the matching streams overlapping the range, in time order.
 */
export class Querier implements LogQueryable {
  constructor(
    private readonly head: Head,
    private readonly chunks: ChunkStore,
    private readonly opts: QuerierOptions = {},
  ) {}

  async *select(tenant: string, req: SelectRequest): AsyncIterable<EntryBatch> {
    const { start, end, filter } = req;
    for await (const { c, d } of this.loaded(tenant, req, (r) => this.chunks.chunk(r))) {
      const b = d ? scanChunk(c.labels, d, start, end, filter, req.raw) : scanBlock(c.labels, c.blk!, start, end, filter);
      b.minT = c.minT;
      b.maxT = c.maxT;
      b.bytesRead = d ? d.data.length : c.blk!.bytes;
      yield b;
    }
  }

  /**
   * What `select` reads, unscanned: each chunk (as stored: compressed — the worker decompresses it, so this thread
   * and the libuv pool only read it; or, from a filesystem store and not in the stored-chunk cache, as its file for
   * the worker to read) or head block (its entries in [start, end) that contain every `required`
   * literal) of the matching streams, in the same order — for a query worker to decode, scan and filter.
   */
  async *decoded(tenant: string, req: DecodedRequest): AsyncIterable<DecodedSource> {
    for await (const { c, d } of this.loaded(tenant, req, (r) => this.chunks.storedOrFile(r))) {
      // A stored chunk's bytes of lines are known once it is decoded (the worker counts them then).
      const common = { labels: c.labels, minT: c.minT, maxT: c.maxT, bytes: d ? 0 : c.blk!.bytes };
      yield d ? (Buffer.isBuffer(d) ? { ...common, stored: d } : { ...common, file: d }) : { ...common, block: sliceBlock(c.blk!, req.start, req.end, req.required) };
    }
  }

  /** The candidates of a select in its order, chunks loaded by `load` (a few ahead: reads and decompression run on the libuv pool). */
  private async *loaded<T>(tenant: string, req: Omit<SelectRequest, 'filter'> & { shard?: StreamShard }, load: (ref: ChunkRef) => Promise<T>): AsyncIterable<{ c: Candidate; d?: T }> {
    const stored = this.chunks.streams(tenant);
    const inHead = this.head.streams(tenant);
    if (!stored && !inHead) return;
    const { start, end, shard } = req;
    const shardKeys = shard && new Set(shard.keys);
    const inShard = (key: string) => !shard || shardKeys!.has(key) !== shard.exclude;
    const cands: Candidate[] = [];
    for (const ss of stored?.select(req.matchers) ?? []) {
      if (!inShard(ss.labels.key())) continue;
      for (const ref of ss.chunks) if (ref.maxT >= start && ref.minT < end) cands.push({ labels: ss.labels, minT: ref.minT, maxT: ref.maxT, ref });
    }
    for (const hs of inHead?.select(req.matchers) ?? []) {
      if (!inShard(hs.key)) continue;
      for (const blk of [...hs.sealed, hs.block]) if (blk.n > 0 && blk.maxT >= start && blk.minT < end) cands.push({ labels: hs.labels, minT: blk.minT, maxT: blk.maxT, blk });
    }
    if (req.direction === 'backward') cands.sort((a, b) => (a.maxT > b.maxT ? -1 : a.maxT < b.maxT ? 1 : 0));
    else cands.sort((a, b) => (a.minT < b.minT ? -1 : a.minT > b.minT ? 1 : 0));
    // Decompression runs on the libuv pool: keep a few chunks in flight while the main thread scans.
    const inflight = new Map<number, Promise<T>>();
    const prefetch = (j: number) => {
      const r = cands[j]?.ref;
      if (!r || inflight.has(j)) return;
      const p = load(r);
      p.catch(() => {});
      inflight.set(j, p);
    };
    const ahead = this.opts.prefetchChunks ?? 2;
    for (let j = 0; j < cands.length; j++) {
      const c = cands[j];
      for (let k = 1; k <= ahead; k++) prefetch(j + k);
      if (c.ref) {
        prefetch(j);
        const d = await inflight.get(j)!;
        inflight.delete(j);
        yield { c, d };
      } else yield { c };
    }
  }

  /** Every (chunk or head block) extent of the matching streams that overlaps [start, end). */
  private *extents(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Generator<{ labels: Labels; key: string; entries: number; bytes: number }> {
    for (const ss of this.chunks.streams(tenant)?.select(matchers) ?? []) {
      for (const r of ss.chunks) if (r.maxT >= start && r.minT < end) yield { labels: ss.labels, key: ss.labels.key(), entries: r.entries, bytes: r.bytes };
    }
    for (const hs of this.head.streams(tenant)?.select(matchers) ?? []) {
      for (const b of [...hs.sealed, hs.block]) if (b.n > 0 && b.maxT >= start && b.minT < end) yield { labels: hs.labels, key: hs.key, entries: b.n, bytes: b.bytes };
    }
  }

  private streamsWithData(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Map<string, Labels> {
    const out = new Map<string, Labels>();
    for (const ss of this.chunks.streams(tenant)?.select(matchers) ?? []) {
      if (ss.chunks.some((r) => r.maxT >= start && r.minT < end)) out.set(ss.labels.key(), ss.labels);
    }
    for (const hs of this.head.streams(tenant)?.select(matchers) ?? []) {
      if ([...hs.sealed, hs.block].some((b) => b.n > 0 && b.maxT >= start && b.minT < end)) out.set(hs.key, hs.labels);
    }
    return out;
  }

  async series(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<Labels[]> {
    return [...this.streamsWithData(tenant, matchers, start, end).values()].sort(Labels.compare);
  }

  async labelNames(tenant: string, start: bigint, end: bigint, matchers: readonly Matcher[] = []): Promise<string[]> {
    const names = new Set<string>();
    for (const l of this.streamsWithData(tenant, matchers, start, end).values()) l.forEach((n) => names.add(n));
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, start: bigint, end: bigint, matchers: readonly Matcher[] = []): Promise<string[]> {
    const values = new Set<string>();
    for (const l of this.streamsWithData(tenant, matchers, start, end).values()) {
      const v = l.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  async stats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<IndexStats> {
    const out: IndexStats = { streams: 0, chunks: 0, entries: 0, bytes: 0 };
    const seen = new Set<string>();
    for (const e of this.extents(tenant, matchers, start, end)) {
      seen.add(e.key);
      out.chunks++;
      out.entries += e.entries;
      out.bytes += e.bytes;
    }
    out.streams = seen.size;
    return out;
  }

  async streamStats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<StreamVolume[]> {
    const acc = new Map<string, StreamVolume>();
    for (const e of this.extents(tenant, matchers, start, end)) {
      const v = acc.get(e.key);
      if (v) {
        v.bytes += e.bytes;
        v.entries += e.entries;
      } else acc.set(e.key, { labels: e.labels, bytes: e.bytes, entries: e.entries });
    }
    return [...acc.values()];
  }
}
