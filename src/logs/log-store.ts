import type { Logger } from 'pino';
import type { Labels, Matcher } from '../model/index.js';
import type { ObjectStore } from '../storage/index.js';
import { Ingester, type AppendListener, type HeadStream, type StreamWrite } from './ingester/index.js';
import { lineBytesOf, type EntryBatch, type IndexStats, type LineBytes, type LogQueryable, type SelectRequest, type StreamVolume } from './model/index.js';
import { Querier, type DecodedRequest, type DecodedSource } from './querier/index.js';
import { ChunkStore, type ChunkEncodingName } from './storage/index.js';

export interface LogStoreOptions {
  walDir: string;
  objects: ObjectStore;
  /** Key prefix in the object store (the bucket name in the seed, `loki-data`). */
  prefix: string;
  chunkTargetSize: number;
  fsyncIntervalMs: number;
  indexPeriodMs: number;
  /** Entries older than the newest of their stream by more than this are refused (too_far_behind). */
  outOfOrderWindowNs: bigint;
  logger?: Logger;
  /** A block is cut when an entry is further than this from its first entry (Loki's max_chunk_age; default 2h). */
  maxChunkAgeNs?: bigint;
  /** Flushed streams without entries newer than this leave the head (Loki's chunk_idle_period; default 30m). */
  streamIdleNs?: bigint;
  /** Chunks decompressed ahead of the one being scanned (default 2). */
  prefetchChunks?: number;
  /** Chunk compression (default deflate). */
  chunkEncoding?: ChunkEncodingName;
  /** Decoded chunks kept in memory for queries (bytes of line data). */
  chunkCacheBytes?: number;
}

/**
 * The assembled log store of one process: the ingester (WAL → head → flush) over the chunk store (chunks and index
 * in the object store), read through the querier. Writers use `ingester`; the query engine sees a `LogQueryable`.
 */
export class LogStore implements LogQueryable {
  private constructor(
    readonly chunks: ChunkStore,
    readonly ingester: Ingester,
    private readonly querier: Querier,
  ) {}

  /** Load the index from the object store, then replay the WAL into the head. */
  static async open(opts: LogStoreOptions): Promise<LogStore> {
    const chunks = await ChunkStore.open({ objects: opts.objects, prefix: opts.prefix, indexPeriodMs: opts.indexPeriodMs, chunkEncoding: opts.chunkEncoding, chunkCacheBytes: opts.chunkCacheBytes });
    const ingester = Ingester.open(
      { walDir: opts.walDir, fsyncIntervalMs: opts.fsyncIntervalMs, chunkTargetSize: opts.chunkTargetSize, outOfOrderWindowNs: opts.outOfOrderWindowNs, maxChunkAgeNs: opts.maxChunkAgeNs, streamIdleNs: opts.streamIdleNs, logger: opts.logger },
      chunks,
    );
    return new LogStore(chunks, ingester, new Querier(ingester.head, chunks, { prefetchChunks: opts.prefetchChunks }));
  }

  // ---- write path (the ingester) ----

  stream(tenant: string, labels: Labels): [HeadStream, boolean] {
    return this.ingester.stream(tenant, labels);
  }

  activeStreams(tenant: string): number {
    return this.ingester.activeStreams(tenant);
  }

  /** Write entries (durable in the WAL, then in the head); lines as strings or as byte ranges, times as a column or an array. */
  write(tenant: string, writes: ReadonlyArray<Omit<StreamWrite, 'lines' | 'ts'> & { ts: BigInt64Array | readonly bigint[]; lines: readonly string[] | LineBytes }>): void {
    this.ingester.write(
      tenant,
      writes.map((w) => ({ ...w, ts: w.ts instanceof BigInt64Array ? w.ts : BigInt64Array.from(w.ts), lines: isLineBytes(w.lines) ? w.lines : lineBytesOf(w.lines) })),
    );
  }

  onAppend(l: AppendListener): () => void {
    return this.ingester.onAppend(l);
  }

  flush(): Promise<void> {
    return this.ingester.flush();
  }

  /** Delete whole index periods (and their chunks) whose every chunk ended before `now - retention(tenant)`. */
  applyRetention(nowMs: number, retentionMs: (tenant: string) => number): Promise<number> {
    return this.chunks.applyRetention(nowMs, retentionMs);
  }

  close(): Promise<void> {
    return this.ingester.close();
  }

  // ---- read path (the querier) ----

  select(tenant: string, req: SelectRequest): AsyncIterable<EntryBatch> {
    return this.querier.select(tenant, req);
  }

  /** What `select` reads, unscanned (for LogQL query workers). */
  decoded(tenant: string, req: DecodedRequest): AsyncIterable<DecodedSource> {
    return this.querier.decoded(tenant, req);
  }

  series(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<Labels[]> {
    return this.querier.series(tenant, matchers, start, end);
  }

  labelNames(tenant: string, start: bigint, end: bigint, matchers?: readonly Matcher[]): Promise<string[]> {
    return this.querier.labelNames(tenant, start, end, matchers);
  }

  labelValues(tenant: string, name: string, start: bigint, end: bigint, matchers?: readonly Matcher[]): Promise<string[]> {
    return this.querier.labelValues(tenant, name, start, end, matchers);
  }

  stats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<IndexStats> {
    return this.querier.stats(tenant, matchers, start, end);
  }

  streamStats(tenant: string, matchers: readonly Matcher[], start: bigint, end: bigint): Promise<StreamVolume[]> {
    return this.querier.streamStats(tenant, matchers, start, end);
  }
}

function isLineBytes(l: readonly string[] | LineBytes): l is LineBytes {
  return !Array.isArray(l);
}
