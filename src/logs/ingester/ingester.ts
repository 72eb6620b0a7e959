import type { Logger } from 'pino';
import type { Labels } from '../../model/index.js';
import { WriteAheadLog } from '../../storage/index.js';
import { parseStreamLabels } from '../model/index.js';
import type { ChunkStore, StreamChunks } from '../storage/index.js';
import { Head, type HeadStream, type StreamWrite } from './head.js';
import type { MemBlock } from './mem-block.js';
import { decodeWalRecord, encodeWalRecord, type WalStream } from './wal-codec.js';
import { walIdentity } from './wal-identity.js';

export interface IngesterOptions {
  walDir: string;
  fsyncIntervalMs: number;
  /** Cut a block when its line bytes reach this. */
  chunkTargetSize: number;
  /** Entries older than the newest of their stream by more than this are refused (too_far_behind). */
  outOfOrderWindowNs: bigint;
  /** A block is cut when an entry is further than this from its first entry (Loki's max_chunk_age; default 2h). */
  maxChunkAgeNs?: bigint;
  /** Flushed streams without entries newer than this leave the head (Loki's chunk_idle_period; default 30m). */
  streamIdleNs?: bigint;
  logger?: Logger;
}

export type AppendListener = (tenant: string, stream: HeadStream, w: StreamWrite) => void;

/**
 * The write path after the distributor: a push is made durable in the WAL with one write, then applied to the
 * in-memory head; a flush seals the head's blocks and writes them to the chunk store per tenant and index period,
 * then drops the WAL segments before the flush.
 */
export class Ingester {
  readonly head: Head;
  private wal!: WriteAheadLog;
  /** Identity of the WAL directory (segment numbers restart when it is lost; flush marks name the WAL they mean). */
  private readonly walId: string;
  private flushing: Promise<void> | undefined;
  private readonly listeners = new Set<AppendListener>();

  private constructor(
    private readonly opts: IngesterOptions,
    private readonly chunks: ChunkStore,
  ) {
    this.walId = walIdentity(opts.walDir);
    this.head = new Head({ chunkTargetSize: opts.chunkTargetSize, maxChunkAgeNs: opts.maxChunkAgeNs ?? 7_200_000_000_000n, periodOf: (ns) => chunks.periodOf(ns), periodBounds: (p) => chunks.periodBounds(p) });
  }

  /** Open the WAL and replay it into the head, skipping what flushes already stored in `chunks` (open it first). */
  static open(opts: IngesterOptions, chunks: ChunkStore): Ingester {
    const ing = new Ingester(opts, chunks);
    const marks = new Map<string, Map<number, number>>();
    // The interval's fsync (machine crashes; a write already survives kill -9) on the thread pool, as the TSDB's WAL.
    const walOpts = { dir: opts.walDir, fsyncIntervalMs: opts.fsyncIntervalMs, backgroundSync: true };
    const { wal, stats } = WriteAheadLog.open(walOpts, (p, seg) => ing.replayRecord(p, seg, marks));
    ing.wal = wal;
    opts.logger?.info({ component: 'logs', segments: stats.segments, records: stats.records, repaired: stats.repaired }, 'logs WAL replayed');
    return ing;
  }

  get outOfOrderWindowNs(): bigint {
    return this.opts.outOfOrderWindowNs;
  }

  /** The head stream for a label set, created if new (second value true when created). */
  stream(tenant: string, labels: Labels): [HeadStream, boolean] {
    return this.head.stream(tenant, labels);
  }

  /** The head stream for a label set, if it exists. */
  findStream(tenant: string, labels: Labels): HeadStream | undefined {
    return this.head.findStream(tenant, labels);
  }

  /** Active (in-memory) streams of a tenant. */
  activeStreams(tenant: string): number {
    return this.head.activeStreams(tenant);
  }

  /** Make the writes durable in the WAL (one write), then apply them to the head. Throws before the head changes. */
  write(tenant: string, writes: readonly StreamWrite[]): void {
    if (writes.length === 0) return;
    const rec: WalStream[] = writes.map((w) => ({ labels: w.stream.labelsStr, ts: w.ts, lines: w.lines, metadata: w.metadata }));
    const { parts, lines } = encodeWalRecord(tenant, rec);
    // The index and the line buffers (the request's decompressed body) are referenced, not copied, by the WAL until
    // its write; they never change afterwards: the head reads lines from them.
    this.wal.appendParts(parts);
    this.wal.flush();
    // The head keeps the lines where they are (no copy per line, no buffer per stream): in the request's body, or in
    // the record when replayed.
    for (let k = 0; k < writes.length; k++) {
      const w = writes[k];
      const target = this.head.attach(tenant, w.stream);
      this.head.append(target, w.ts, lines[k], w.metadata);
      for (const l of this.listeners) l(tenant, target, w);
    }
  }

  /** Be told of every write after it is durable (live tailing). Returns the unsubscribe function. */
  onAppend(l: AppendListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Replay one WAL record into the head, skipping entries a flush already wrote to chunks: a crash between writing a
   * flush's index files and trimming the WAL leaves those segments behind, and replaying them would show every entry
   * twice. Each index file records the first segment its flush did not cover; entries of that tenant and period in
   * earlier segments are skipped.
   */
  private replayRecord(p: Buffer, segment: number, marks: Map<string, Map<number, number>>): void {
    const { tenant, streams } = decodeWalRecord(p);
    let fb = marks.get(tenant);
    if (!fb) marks.set(tenant, (fb = this.chunks.index.flushedBefore(tenant, this.walId)));
    for (const ws of streams) {
      let { ts, lines, metadata } = ws;
      if (fb.size > 0) {
        const keep: number[] = [];
        for (let i = 0; i < ts.length; i++) if (!(segment < (fb.get(this.chunks.periodOf(ts[i])) ?? -1))) keep.push(i);
        if (keep.length === 0) continue;
        if (keep.length < ts.length) {
          ts = BigInt64Array.from(keep, (i) => ws.ts[i]);
          lines = { buf: ws.lines.buf, offs: keep.flatMap((i) => [ws.lines.offs[2 * i], ws.lines.offs[2 * i + 1]]) };
          metadata = ws.metadata ? keep.map((i) => ws.metadata![i]) : undefined;
        }
      }
      const [s] = this.head.stream(tenant, parseStreamLabels(ws.labels).labels);
      this.head.append(s, ts, lines, metadata);
    }
  }

  /** Seal every head block, write chunks and an index file per tenant and period, then drop the WAL before the cut. */
  flush(): Promise<void> {
    this.flushing ??= this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    const seg = this.wal.cut();
    const byTenantPeriod = new Map<string, Map<number, Map<HeadStream, MemBlock[]>>>();
    for (const w of this.head.sealAll()) {
      let tp = byTenantPeriod.get(w.tenant);
      if (!tp) byTenantPeriod.set(w.tenant, (tp = new Map()));
      for (const b of w.blocks) {
        const period = this.chunks.periodOf(b.minT);
        let byStream = tp.get(period);
        if (!byStream) tp.set(period, (byStream = new Map()));
        const list = byStream.get(w.stream);
        if (list) list.push(b);
        else byStream.set(w.stream, [b]);
      }
    }
    for (const [tenant, tp] of byTenantPeriod) {
      for (const [period, byStream] of tp) {
        const streams: StreamChunks[] = [...byStream].map(([s, blocks]) => ({
          labels: s.labels,
          chunks: blocks.map((b) => ({ minT: b.minT, maxT: b.maxT, bytes: b.bytes, columns: { ts: b.ts.subarray(0, b.n), lines: b.lineBytes(), metadata: b.metadata } })),
        }));
        await this.chunks.writePeriod(tenant, period, streams, { id: this.walId, before: seg });
        // Indexed: these blocks leave the head now, so a later flush after a failure here cannot write them again.
        for (const [s, blocks] of byStream) this.head.release(s, blocks);
      }
    }
    this.wal.truncateBefore(seg);
    this.head.removeIdle(BigInt(Date.now()) * 1_000_000n - (this.opts.streamIdleNs ?? 1_800_000_000_000n));
  }

  /** Wait for a running flush, then close the WAL. */
  async close(): Promise<void> {
    await this.flushing;
    this.wal.close();
  }
}
