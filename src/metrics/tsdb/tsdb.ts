import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { Labels, type Matcher, type MetricMetadata, type Exemplar } from '../../model/index.js';
import type {
  Appendable,
  Appender,
  ExemplarQueryable,
  MetadataSource,
  MetricsWalReader,
  Querier,
  SeriesRef,
  Queryable,
  WalPosition,
} from '../storage-api/interface.js';
import { WriteAheadLog, listSegments, lockDir, segmentName } from '../../storage/index.js';
import { silentLogger } from '../../server/index.js';
import { DEFAULT_INGEST_SLICE_MS, TimeSlicer } from '../../lib/time-slice.js';
import { TsdbAppender, type AppendBatch, type AppenderHost } from './appender.js';
import { Block, type BlockSeries } from './block.js';
import { writeBlock, type BlockMeta, type ChunkSource, type SeriesToWrite } from './block-writer.js';
import { ByteWriter } from './byte-codec.js';
import { latestCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { CommitQueue } from './commit-queue.js';
import { compactionRanges, planCompaction } from './compaction-plan.js';
import { ExemplarStorage } from './exemplar-storage.js';
import { filterHistogramChunk } from './head-histograms.js';
import { applyWithHistograms, replayHistogram, writeHistogramRecords } from './histogram-commit.js';
import { APPLIED, DUPLICATE_CONFLICT, Head, OUT_OF_ORDER, rangeForTimestamp, type ChunkRef, type MemSeries } from './head.js';
import { MetadataStore } from './metadata-store.js';
import { chunksForMergedBlock, type OooAppendContext } from './ooo-head.js';
import { OutOfOrderIngest, isOutOfOrderBlock, outOfOrderBlocksFirst } from './ooo-ingest.js';
import { postingsForMatchers } from './postings.js';
import { TsdbQuerier } from './querier.js';
import { TsdbMetrics } from './self-metrics.js';
import { ULID_RE, ulid } from './ulid.js';
import { TsdbWalReader } from './wal-reader.js';
import { decodeRecord, encodeExemplars, encodeMetadata, encodeSamples, encodeSeries, encodeTombstoneRecord, type RecordHandlers } from './wal-records.js';
import { XorChunkAppender, decodeXorChunk } from './xor-chunk.js';

export interface TsdbOptions {
  /** Blocks live in `dir/<ULID>/`, the write-ahead log in `dir/wal/`. */
  dir: string;
  /** Delete blocks older than this relative to the newest block (0 = keep forever). */
  retentionMs: number;
  /** Delete the oldest blocks while blocks + WAL exceed this many bytes (0 = no limit). */
  retentionBytes: number;
  /** The head is cut into blocks of this range (Prometheus's `--storage.tsdb.min-block-duration`, 2h). */
  minBlockDurationMs: number;
  /** Largest merged block; default 10% of the retention, at most 31 days. */
  maxBlockDurationMs?: number;
  /**
   * Out-of-order samples up to this much older than the head's newest are accepted (`ooo-ingest.ts`); 0 refuses
   * them (Prometheus's `storage.tsdb.out_of_order_time_window`).
   */
  outOfOrderWindowMs?: number;
  walFsyncIntervalMs?: number;
  walSegmentSize?: number;
  /** How often the background loop compacts and applies retention (default 60 s, as Prometheus; 0 = never). */
  compactionIntervalMs?: number;
  /** Size of the exemplar circular buffer (Prometheus's default 100000). */
  maxExemplars?: number;
  registry?: Registry;
  logger?: Logger;
  /**
   * Called (and awaited) after a block was cut from the head and is durable on disk, before retention may delete
   * it — e.g. to ship it to object storage (the Mimir role). Errors are logged, not fatal.
   */
  onBlockWritten?: (meta: BlockMeta, dir: string) => Promise<void> | void;
  /** Retention skips a block for which this returns true (e.g. a block not yet shipped to object storage). */
  keepBlock?: (meta: BlockMeta) => boolean;
}

export interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: { name: string; value: number }[];
  labelValueCountByLabelName: { name: string; value: number }[];
  memoryInBytesByLabelName: { name: string; value: number }[];
  seriesCountByLabelValuePair: { name: string; value: number }[];
}

const SAMPLES_PER_RECORD = 10_000;
const SERIES_PER_RECORD = 1_000;
/** Batches with this many samples plus series or more are committed in slices (`commitBatch`). */
const SLICED_COMMIT_ITEMS = 50_000;
/** The largest sample-ref scratch column a TSDB keeps between commits. */
const MAX_REF_SCRATCH = 1 << 17;
/** A sliced commit may yield after every this many + 1 head appends. */
const APPLY_RUN_MASK = 1023;
const BLOCK_IDLE_RELEASE_MS = 5 * 60_000;
const MAX_BLOCK_DURATION_CAP = 31 * 24 * 3600_000;

/**
 * The metrics TSDB: an in-memory head (Gorilla chunks, inverted index) made durable by a write-ahead log, cut into
 * immutable on-disk blocks that are merged into larger ranges and deleted by time and size retention. Queries see
 * the head and the blocks as one store.
 */
export class Tsdb implements Queryable, Appendable, MetadataSource, ExemplarQueryable, AppenderHost {
  readonly head: Head;
  readonly exemplarStorage: ExemplarStorage;
  readonly metadataStore = new MetadataStore();
  readonly metrics: TsdbMetrics;
  readonly registry: Registry;
  private readonly logger: Logger;
  private blocks: Block[] = [];
  private wal!: WriteAheadLog;
  private readonly walDir: string;
  /** Newest sample timestamp written to each WAL segment (for truncation). */
  private readonly segMaxT = new Map<number, number>();
  private readonly w = new ByteWriter(1 << 16);
  private refScratch = new Uint32Array(1024);
  /** Order of commits while a sliced one is in flight (head truncation and tombstones queue there too). */
  private readonly commits = new CommitQueue();
  private readonly ranges: number[];
  private compacting: Promise<void> | null = null;
  private compactionQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private unlock: () => void = () => {};
  /** Out-of-order head and write-behind log, when a window is set or a WBL is left to replay. */
  private ooo: OutOfOrderIngest | null = null;
  /** WAL segments replayed at open (`/api/v1/status/walreplay`). */
  walReplayStatus = { min: 0, max: 0, current: 0 };

  private constructor(readonly opts: TsdbOptions) {
    this.walDir = join(opts.dir, 'wal');
    this.head = new Head(opts.minBlockDurationMs);
    this.exemplarStorage = new ExemplarStorage(opts.maxExemplars ?? 100_000);
    this.registry = opts.registry ?? new Registry();
    this.logger = (opts.logger ?? silentLogger()).child({ component: 'tsdb' });
    const maxBlock = opts.maxBlockDurationMs ?? (opts.retentionMs > 0 ? Math.min(opts.retentionMs / 10, MAX_BLOCK_DURATION_CAP) : MAX_BLOCK_DURATION_CAP);
    this.ranges = compactionRanges(opts.minBlockDurationMs, Math.max(maxBlock, opts.minBlockDurationMs));
    const window = opts.outOfOrderWindowMs ?? 0;
    if (OutOfOrderIngest.wanted(opts.dir, window)) {
      this.ooo = new OutOfOrderIngest(this.head, { dir: opts.dir, windowMs: window, registry: this.registry, logger: this.logger, walFsyncIntervalMs: opts.walFsyncIntervalMs, walSegmentSize: opts.walSegmentSize });
    }
    this.metrics = new TsdbMetrics(this.registry, {
      headSeries: () => this.head.numSeries,
      headChunks: () => this.head.numChunks,
      headMinTime: () => (Number.isFinite(this.head.minT) ? this.head.minT : 0),
      headMaxTime: () => (Number.isFinite(this.head.maxT) ? this.head.maxT : 0),
      blocksLoaded: () => this.blocks.length,
      blocksBytes: () => this.blocks.reduce((n, b) => n + b.size, 0),
      walSize: () => (this.closed ? 0 : this.wal.diskSize()),
      walSegmentCurrent: () => (this.closed ? 0 : this.wal.currentSegment),
      lowestTimestamp: () => {
        const t = Math.min(this.blocks[0]?.minTime ?? Infinity, this.head.minT);
        return Number.isFinite(t) ? t : 0;
      },
    });
  }

  static async open(opts: TsdbOptions): Promise<Tsdb> {
    if (!(opts.minBlockDurationMs > 0)) throw new Error('minBlockDurationMs must be positive');
    mkdirSync(opts.dir, { recursive: true });
    const unlock = lockDir(opts.dir);
    let db: Tsdb;
    try {
      db = new Tsdb(opts);
      db.unlock = unlock;
      db.loadBlocks();
      db.replayWal();
    } catch (e) {
      unlock();
      throw e;
    }
    const interval = opts.compactionIntervalMs ?? 60_000;
    if (interval > 0) {
      db.timer = setInterval(() => {
        db.releaseIdleBlocks();
        db.compactHead().catch((e: unknown) => db.logger.error({ err: e }, 'compaction failed'));
      }, interval);
      db.timer.unref();
    }
    return db;
  }

  // --- open

  private loadBlocks(): void {
    const found: Block[] = [];
    for (const e of readdirSync(this.opts.dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(this.opts.dir, e.name);
      if (e.name.endsWith('.tmp')) {
        rmSync(p, { recursive: true, force: true });
        continue;
      }
      if (!ULID_RE.test(e.name)) continue;
      if (!existsSync(join(p, 'meta.json'))) {
        this.logger.warn({ dir: p }, 'removing block directory without meta.json');
        rmSync(p, { recursive: true, force: true });
        continue;
      }
      found.push(Block.open(p));
    }
    // A merge that crashed after writing its result but before deleting its inputs: the inputs are redundant.
    const parents = new Set<string>();
    for (const b of found) for (const p of b.meta.compaction.parents ?? []) parents.add(p.ulid);
    this.blocks = found.filter((b) => {
      if (!parents.has(b.meta.ulid)) return true;
      b.delete();
      return false;
    });
    this.sortBlocks();
    // Blocks cut from the out-of-order head do not limit in-order appends (Prometheus's `inOrderBlocksMaxTime`).
    this.head.minValidTime = this.blocks.reduce((m, b) => (isOutOfOrderBlock(b.meta) ? m : Math.max(m, b.maxTime)), -Infinity);
    this.metrics.reloads.inc();
  }

  private sortBlocks(): void {
    this.blocks.sort((a, b) => a.minTime - b.minTime);
  }

  private replayWal(): void {
    const head = this.head;
    const refMap = new Map<number, MemSeries>();
    let seg = 0;
    const handlers: RecordHandlers = {
      series: (ref, labels) => {
        const { series } = head.getOrCreate(labels, ref);
        series.walLogged = true;
        refMap.set(ref, series);
      },
      samples: (refs, ts, vs, n) => {
        let maxT = this.segMaxT.get(seg) ?? -Infinity;
        const minValid = head.minValidTime;
        for (let i = 0; i < n; i++) {
          const t = ts[i];
          if (t > maxT) maxT = t;
          if (t < minValid) continue;
          const s = refMap.get(refs[i]);
          if (s !== undefined) head.appendSample(s, t, vs[i]);
        }
        this.segMaxT.set(seg, maxT);
      },
      metadata: (metric, meta) => this.metadataStore.set(metric, meta),
      histogram: (x) => {
        if (x.t > (this.segMaxT.get(seg) ?? -Infinity)) this.segMaxT.set(seg, x.t);
        replayHistogram(head, refMap.get(x.ref), x);
      },
      // A deletion applies to the samples replayed before it, as it did to the head when it was made.
      tombstone: (ref, mint, maxt) => {
        const s = refMap.get(ref);
        if (s !== undefined) head.deleteRange(s, mint, maxt);
      },
      exemplar: (ref, labels, value, ts) => {
        const s = refMap.get(ref);
        if (s === undefined) return;
        // The checkpoint and the segments after it may both hold an exemplar: keep one (and the order).
        try {
          if (!this.exemplarStorage.validate(s.ref, { labels, value, ts })) return;
        } catch {
          return;
        }
        this.exemplarStorage.add(s.ref, labels, value, ts);
      },
    };
    const decode = (p: Uint8Array) => {
      try {
        decodeRecord(p, handlers);
      } catch (e) {
        this.metrics.walCorruptions.inc();
        this.logger.warn({ err: e }, 'skipping malformed WAL record');
      }
    };
    const started = Date.now();
    const cp = latestCheckpoint(this.walDir);
    if (cp) readCheckpoint(cp.path, decode);
    // The interval's fsync (against a machine crash; a process crash loses nothing written) runs on the thread pool,
    // not in the event loop every request shares: it took up to tens of ms of it on a busy disk.
    const walOpts = { dir: this.walDir, fsyncIntervalMs: this.opts.walFsyncIntervalMs, segmentSize: this.opts.walSegmentSize, backgroundSync: true };
    const { wal, stats } = WriteAheadLog.open(walOpts, (p, segment) => {
      if (cp && segment < cp.index) return;
      seg = segment;
      decode(p);
    });
    this.wal = wal;
    const segs = listSegments(this.walDir);
    if (segs.length > 0) this.walReplayStatus = { min: segs[0], max: segs[segs.length - 1], current: segs[segs.length - 1] };
    if (stats.repaired) {
      this.metrics.walCorruptions.inc();
      this.logger.warn({ repaired: stats.repaired }, 'WAL had a torn or corrupt tail; it was cut off');
    }
    this.ooo?.open(refMap);
    // Series that received no sample (or only samples already in blocks) are dropped.
    head.truncate(head.minValidTime);
    this.logger.info({ segments: stats.segments, records: stats.records, series: head.numSeries, durationMs: Date.now() - started }, 'WAL replay completed');
  }

  // --- append

  labelsOf(ref: SeriesRef): Labels | undefined {
    const s = this.head.get(ref);
    return s === undefined || s.deleted ? undefined : s.labels;
  }

  appender(): Appender {
    if (this.closed) throw new Error('TSDB is closed');
    return new TsdbAppender(this);
  }

  countOutOfOrder(type: 'float' | 'histogram' = 'float'): void {
    this.metrics.outOfOrder.inc({ type });
  }

  countOutOfBounds(type: 'float' | 'histogram' = 'float'): void {
    this.metrics.outOfBounds.inc({ type });
  }

  countTooOld(): void {
    this.ooo?.metrics.tooOld.inc({ type: 'float' });
  }

  oooContext(): OooAppendContext | null {
    return this.ooo?.context() ?? null;
  }

  /** Change the out-of-order window (a tenant's limit); from 0 to more it starts the write-behind log. */
  setOutOfOrderWindow(ms: number): void {
    if (this.ooo === null && ms > 0) {
      this.ooo = new OutOfOrderIngest(this.head, { dir: this.opts.dir, windowMs: ms, registry: this.registry, logger: this.logger, walFsyncIntervalMs: this.opts.walFsyncIntervalMs, walSegmentSize: this.opts.walSegmentSize });
      this.ooo.open(new Map());
    } else if (this.ooo !== null) this.ooo.windowMs = ms;
  }

  /**
   * Write the batch to the WAL, flush (durable against a process crash), then apply it to the head. A batch of
   * `SLICED_COMMIT_ITEMS` samples and new series or more is committed in slices (the event loop runs between its WAL
   * records and between runs of its head appends, ~10 ms each); commits queued meanwhile run after it, in order, so
   * the head applies batches in the order the WAL replays them. Others commit at once, synchronously.
   */
  commitBatch(b: AppendBatch): void | Promise<void> {
    if (this.closed) throw new Error('TSDB is closed');
    const sliced = b.n + b.series.length >= SLICED_COMMIT_ITEMS;
    if (!sliced && this.commits.inFlight === 0) {
      this.commitNow(b);
      return;
    }
    return this.commits.enqueue(async () => {
      if (this.closed) throw new Error('TSDB is closed');
      // Each step is a WAL record or a run of appends (~1 ms): the clock is read after every one.
      const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 1);
      if (!sliced) {
        this.commitNow(b);
        return;
      }
      for (const _ of this.commitSteps(b)) if (slicer.due()) await slicer.yieldNow();
    });
  }

  /**
   * The commit of a batch in one synchronous run: its WAL records, one flush, then the head appends. The same steps
   * as `commitSteps` without the generator (the common case: a generator holding every loop cost V8 a large
   * optimising compile of its own, and each step a resumption).
   */
  private commitNow(b: AppendBatch): void {
    const fresh = this.freshSeries(b);
    try {
      for (let i = 0; i < fresh.length; i += SERIES_PER_RECORD) this.logSeries(fresh, i, false);
      const maxT = this.logSamples(b, -1);
      this.logTail(b, maxT);
    } catch (e) {
      for (const s of fresh) s.walLogged = false;
      throw e;
    }
    const counts = { appended: 0, outOfOrder: 0 };
    if (!this.applyOther(b, counts)) this.applyFloats(b, 0, b.n, counts);
    this.committed(b, counts);
  }

  /**
   * The commit of a batch in slices (see `commitBatch`): one step per WAL record and per run of head appends. Every
   * record goes to the file at once, so the WAL's buffer stays small; none is acknowledged before the batch's last
   * flush, and a failed flush marks the batch's new series unlogged again (a series record written twice replays as
   * one series).
   */
  private *commitSteps(b: AppendBatch): Generator<void> {
    const fresh = this.freshSeries(b);
    try {
      for (let i = 0; i < fresh.length; i += SERIES_PER_RECORD) {
        this.logSeries(fresh, i, true);
        yield;
      }
      let maxT = -Infinity;
      for (let i = 0; i < b.n; i += SAMPLES_PER_RECORD) {
        maxT = Math.max(maxT, this.logSamples(b, i));
        yield;
      }
      this.logTail(b, maxT);
    } catch (e) {
      for (const s of fresh) s.walLogged = false;
      throw e;
    }
    const counts = { appended: 0, outOfOrder: 0 };
    if (!this.applyOther(b, counts)) {
      for (let i = 0; i < b.n; i += APPLY_RUN_MASK + 1) {
        // Between runs of appends a sliced commit yields: the batch's series stay in the head meanwhile (a head
        // truncation queues behind the commit), but the admin API may have deleted one (applyFloats looks it up).
        if (i > 0) yield;
        this.applyFloats(b, i, Math.min(b.n, i + APPLY_RUN_MASK + 1), counts);
      }
    }
    this.committed(b, counts);
  }

  /** The batch's series, deleted ones looked up again; returns those not yet in the WAL, marked as logged. */
  private freshSeries(b: AppendBatch): MemSeries[] {
    const head = this.head;
    const fresh: MemSeries[] = [];
    for (let i = 0; i < b.series.length; i++) {
      let s = b.series[i];
      if (s.deleted) s = b.series[i] = head.getOrCreate(s.labels).series;
      if (!s.walLogged) {
        s.walLogged = true;
        fresh.push(s);
      }
    }
    return fresh;
  }

  /** The series record of `fresh[from, from + SERIES_PER_RECORD)` into the WAL (flushed at once with `flush`). */
  private logSeries(fresh: MemSeries[], from: number, flush: boolean): void {
    const w = this.w;
    w.reset();
    encodeSeries(w, from === 0 && fresh.length <= SERIES_PER_RECORD ? fresh : fresh.slice(from, from + SERIES_PER_RECORD));
    this.wal.append(w.view());
    if (flush) this.wal.flush();
  }

  /**
   * The sample records of the batch into the WAL: all of them (`from` < 0, not flushed) or the one record starting
   * at `from` (flushed at once: a sliced commit). Returns the records' newest timestamp.
   */
  private logSamples(b: AppendBatch, from: number): number {
    if (b.n === 0) return -Infinity;
    const lo = from < 0 ? 0 : from;
    const hi = from < 0 ? b.n : Math.min(b.n, from + SAMPLES_PER_RECORD);
    const len = hi - lo;
    // A scratch column reused by later commits, unless this batch is much larger than usual.
    if (this.refScratch.length < len && len <= MAX_REF_SCRATCH) this.refScratch = new Uint32Array(Math.min(len * 2, MAX_REF_SCRATCH));
    const refs = len <= this.refScratch.length ? this.refScratch : new Uint32Array(len);
    const series = b.series;
    const sidx = b.sidx;
    const t = lo === 0 ? b.t : b.t.subarray(lo, hi);
    const v = lo === 0 ? b.v : b.v.subarray(lo, hi);
    let maxT = -Infinity;
    for (let i = 0; i < len; i++) {
      refs[i] = series[sidx[lo + i]].ref;
      if (t[i] > maxT) maxT = t[i];
    }
    const w = this.w;
    for (let i = 0; i < len; i += SAMPLES_PER_RECORD) {
      w.reset();
      encodeSamples(w, refs, t, v, i, Math.min(len, i + SAMPLES_PER_RECORD));
      this.wal.append(w.view());
    }
    if (from >= 0) this.wal.flush();
    return maxT;
  }

  /** Histogram, metadata and exemplar records, then the flush that makes the batch durable. */
  private logTail(b: AppendBatch, samplesMaxT: number): void {
    const head = this.head;
    const wal = this.wal;
    const w = this.w;
    // Native histograms (histogram-commit.ts).
    const maxT = Math.max(samplesMaxT, writeHistogramRecords(w, b, head, (p) => wal.append(p)));
    if (b.metadata.length > 0) {
      w.reset();
      encodeMetadata(w, b.metadata);
      wal.append(w.view());
    }
    if (b.exemplars.length > 0) {
      w.reset();
      encodeExemplars(
        w,
        b.exemplars.map((e) => ({ ref: (e.s.deleted ? head.getOrCreate(e.s.labels).series : e.s).ref, labels: e.labels, value: e.value, ts: e.ts })),
      );
      wal.append(w.view());
    }
    wal.flush();
    if (maxT > -Infinity) {
      const seg = wal.currentSegment;
      if (maxT > (this.segMaxT.get(seg) ?? -Infinity)) this.segMaxT.set(seg, maxT);
    }
  }

  /**
   * A batch with an out-of-order window or native histograms is applied here (ooo-ingest.ts, histogram-commit.ts);
   * returns false for a batch of in-order float samples only (`applyFloats`).
   */
  private applyOther(b: AppendBatch, counts: { appended: number; outOfOrder: number }): boolean {
    const head = this.head;
    const countHistograms = (r: ReturnType<typeof applyWithHistograms>) => {
      if (r.histograms.appended > 0) this.metrics.samplesAppended.inc({ type: 'histogram' }, r.histograms.appended);
      if (r.histograms.outOfOrder > 0) this.metrics.outOfOrder.inc({ type: 'histogram' }, r.histograms.outOfOrder);
    };
    if (b.ooo !== null && this.ooo !== null) {
      // Out-of-order window (floats; Prometheus 2.42 has no out-of-order native histograms): in order, into the
      // out-of-order head (and the WBL), or refused (ooo-ingest.ts). Histograms of the batch follow, in order only.
      counts.appended = this.ooo.apply({ series: b.series, sidx: b.sidx, t: b.t, v: b.v, n: b.n, ooo: b.ooo });
      if (b.histograms && b.histograms.length > 0) countHistograms(applyWithHistograms(head, { ...b, n: 0 }));
      return true;
    }
    if (b.histograms && b.histograms.length > 0) {
      // With native histograms: floats and histograms in time order (histogram-commit.ts).
      const r = applyWithHistograms(head, b);
      counts.appended = r.floats.appended;
      counts.outOfOrder = r.floats.outOfOrder;
      countHistograms(r);
      return true;
    }
    return false;
  }

  /** Float samples [from, to) of the batch into the head. */
  private applyFloats(b: AppendBatch, from: number, to: number, counts: { appended: number; outOfOrder: number }): void {
    const head = this.head;
    const series = b.series;
    const sidx = b.sidx;
    const t = b.t;
    const v = b.v;
    let appended = 0;
    let outOfOrder = 0;
    for (let i = from; i < to; i++) {
      let s = series[sidx[i]];
      if (s.deleted) s = series[sidx[i]] = head.getOrCreate(s.labels).series;
      const r = head.appendSample(s, t[i], v[i]);
      if (r === APPLIED) appended++;
      else if (r === OUT_OF_ORDER || r === DUPLICATE_CONFLICT) outOfOrder++;
    }
    counts.appended += appended;
    counts.outOfOrder += outOfOrder;
  }

  /** After the head appends: metadata, exemplars, counters, and a head compaction when one is due. */
  private committed(b: AppendBatch, counts: { appended: number; outOfOrder: number }): void {
    const head = this.head;
    for (const m of b.metadata) this.metadataStore.set(m.metric, m.meta);
    for (const e of b.exemplars) {
      const s = e.s.deleted ? head.getByLabels(e.s.labels) : e.s;
      if (s) this.exemplarStorage.add(s.ref, e.labels, e.value, e.ts);
    }
    if (counts.appended > 0) this.metrics.samplesAppended.inc({ type: 'float' }, counts.appended);
    if (counts.outOfOrder > 0) this.metrics.outOfOrder.inc({ type: 'float' }, counts.outOfOrder);
    if (b.exemplars.length > 0) this.metrics.exemplarsAppended.inc(b.exemplars.length);
    this.syncSeriesCounters();
    if (this.headCompactable() && !this.compacting && !this.compactionQueued && (this.opts.compactionIntervalMs ?? 60_000) > 0) {
      this.compactionQueued = true;
      setTimeout(() => {
        this.compactionQueued = false;
        this.compactHead().catch((e: unknown) => this.logger.error({ err: e }, 'compaction failed'));
      }, 0).unref();
    }
  }

  private reportedCreated = 0;
  private reportedRemoved = 0;
  private reportedChunksCreated = 0;
  private reportedChunksRemoved = 0;
  private syncSeriesCounters(): void {
    const h = this.head;
    if (h.seriesCreated > this.reportedCreated) this.metrics.seriesCreated.inc(h.seriesCreated - this.reportedCreated);
    if (h.seriesRemoved > this.reportedRemoved) this.metrics.seriesRemoved.inc(h.seriesRemoved - this.reportedRemoved);
    if (h.chunksCreated > this.reportedChunksCreated) this.metrics.chunksCreated.inc(h.chunksCreated - this.reportedChunksCreated);
    if (h.chunksRemoved > this.reportedChunksRemoved) this.metrics.chunksRemoved.inc(h.chunksRemoved - this.reportedChunksRemoved);
    this.reportedCreated = h.seriesCreated;
    this.reportedRemoved = h.seriesRemoved;
    this.reportedChunksCreated = h.chunksCreated;
    this.reportedChunksRemoved = h.chunksRemoved;
  }

  // --- query

  async querier(mint: number, maxt: number): Promise<Querier> {
    const blocks = this.blocks.filter((b) => b.minTime <= maxt && b.maxTime > mint);
    return new TsdbQuerier(this.head, blocks, mint, maxt);
  }

  metadata(metric?: string, limit?: number): Map<string, MetricMetadata[]> {
    return this.metadataStore.query(metric, limit);
  }

  async exemplars(matcherSets: readonly (readonly Matcher[])[], start: number, end: number): Promise<{ seriesLabels: Labels; exemplars: Exemplar[] }[]> {
    const refs = new Set<number>();
    for (const set of matcherSets) {
      const p = postingsForMatchers(this.head, set);
      for (let i = 0; i < p.length; i++) refs.add(p[i]);
    }
    const out: { seriesLabels: Labels; exemplars: Exemplar[] }[] = [];
    for (const [ref, exemplars] of this.exemplarStorage.select(refs, start, end)) {
      const s = this.head.get(ref);
      if (s) out.push({ seriesLabels: s.labels, exemplars });
    }
    return out.sort((a, b) => Labels.compare(a.seriesLabels, b.seriesLabels));
  }

  openWalReader(from: WalPosition): MetricsWalReader {
    return new TsdbWalReader(this.walDir, from);
  }

  /** The position after the last record written (where a reader starting "now" begins). */
  walPosition(): WalPosition {
    this.wal.flush();
    const segment = this.wal.currentSegment;
    return { segment, offset: segmentSizeOf(this.walDir, segment) };
  }

  stats(limit = 10): TsdbStatus {
    const h = this.head;
    return {
      headStats: {
        numSeries: h.numSeries,
        numLabelPairs: h.numLabelPairs(),
        chunkCount: h.numChunks,
        minTime: Number.isFinite(h.minT) ? h.minT : 0,
        maxTime: Number.isFinite(h.maxT) ? h.maxT : 0,
      },
      ...h.postingsStats(limit),
    };
  }

  /** The blocks currently loaded (oldest first). */
  blockMetas(): BlockMeta[] {
    return this.blocks.map((b) => b.meta);
  }

  // --- compaction and retention

  private headCompactable(): boolean {
    const h = this.head;
    return Number.isFinite(h.minT) && Number.isFinite(h.maxT) && h.maxT - h.minT > (h.chunkRange / 2) * 3;
  }

  /**
   * Cut the head into blocks while it spans more than 1.5 block ranges, merge blocks, apply retention. Runs in the
   * background every `compactionIntervalMs`; one run at a time.
   */
  async compactHead(): Promise<void> {
    while (this.compacting) await this.compacting;
    if (this.closed) return;
    this.compacting = this.runCompaction().finally(() => (this.compacting = null));
    return this.compacting;
  }

  private async runCompaction(): Promise<void> {
    try {
      let headCut = false;
      while (this.headCompactable() && !this.closed) {
        headCut = true;
        const mint = this.head.minT;
        const maxt = rangeForTimestamp(mint, this.head.chunkRange);
        this.head.minValidTime = Math.max(this.head.minValidTime, maxt);
        const started = Date.now();
        const meta = await this.writeHeadBlock(mint, maxt);
        if (meta) {
          this.blocks.push(Block.open(join(this.opts.dir, meta.ulid)));
          this.sortBlocks();
          this.metrics.compactions.inc();
          this.metrics.reloads.inc();
          this.logger.info({ ulid: meta.ulid, minTime: mint, maxTime: maxt, durationMs: Date.now() - started, stats: meta.stats }, 'write block');
          if (this.opts.onBlockWritten) {
            try {
              await this.opts.onBlockWritten(meta, join(this.opts.dir, meta.ulid));
            } catch (e) {
              this.logger.error({ err: e, ulid: meta.ulid }, 'onBlockWritten hook failed');
            }
          }
        }
        // The block is durable: only now drop the data from memory and the WAL, once no selection reads the head,
        // and not inside a sliced commit (it holds series of the head between its slices): in the commits' queue,
        // after waiting for readers outside it (so commits are not held up) and again for any that began meanwhile.
        let readersDone = await this.head.waitForPendingReaders();
        await this.commits.enqueue(async () => {
          if (this.head.pendingReaders > 0) readersDone = await this.head.waitForPendingReaders();
          if (!readersDone) this.logger.warn({ readers: this.head.pendingReaders }, 'head truncated while selections were still reading it');
          this.head.truncate(maxt);
          this.metrics.headTruncations.inc();
          this.syncSeriesCounters();
          this.truncateWal(maxt);
        });
        await new Promise((r) => setImmediate(r));
      }
      // After a head compaction the whole out-of-order head goes into blocks too (Prometheus's `compactOOOHead`).
      if (headCut && this.ooo !== null && !this.closed) await this.ooo.compact(this.head.chunkRange, (meta) => this.oooBlockWritten(meta));
      for (;;) {
        if (this.closed) return;
        const group = planCompaction(this.blocks, this.ranges);
        if (!group) break;
        await this.mergeBlocks(group);
        await new Promise((r) => setImmediate(r));
      }
      this.applyRetention();
    } catch (e) {
      this.metrics.compactionsFailed.inc();
      throw e;
    }
  }

  private async oooBlockWritten(meta: BlockMeta): Promise<void> {
    this.blocks.push(Block.open(join(this.opts.dir, meta.ulid)));
    this.sortBlocks();
    this.metrics.compactions.inc();
    this.metrics.reloads.inc();
    this.logger.info({ ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime, stats: meta.stats }, 'write out-of-order block');
    if (this.opts.onBlockWritten) {
      try {
        await this.opts.onBlockWritten(meta, join(this.opts.dir, meta.ulid));
      } catch (e) {
        this.logger.error({ err: e, ulid: meta.ulid }, 'onBlockWritten hook failed');
      }
    }
  }

  /**
   * Prometheus's `DB.Snapshot`: every loaded block hard-linked into `dir/<ULID>/` (no copy of chunk data), and,
   * unless `skipHead`, the head's data written as one more block there. The result is a TSDB directory that opens
   * on its own. Waits for a running compaction so that no block disappears half-linked.
   */
  async snapshot(dir: string, skipHead = false): Promise<void> {
    if (this.closed) throw new Error('TSDB is closed');
    while (this.compacting) await this.compacting;
    mkdirSync(dir, { recursive: true });
    for (const b of this.blocks) linkTree(b.dir, join(dir, b.meta.ulid));
    const h = this.head;
    if (skipHead || !Number.isFinite(h.minT) || !Number.isFinite(h.maxT)) return;
    const mint = h.minT;
    const maxt = h.maxT + 1;
    const series: MemSeries[] = [];
    for (const s of h.allSeries()) if (s.minT < maxt) series.push(s);
    series.sort((a, b) => Labels.compare(a.labels, b.labels));
    const id = ulid();
    function* gen(): Generator<SeriesToWrite> {
      for (const s of series) {
        const chunks: ChunkSource[] = [];
        for (const c of s.chunksIn(mint, maxt - 1)) chunks.push(...clipChunk(c, mint, maxt));
        if (chunks.length > 0) yield { labels: s.labels, chunks };
      }
    }
    await writeBlock(dir, id, mint, maxt, gen(), { level: 1, sources: [id] });
  }

  private writeHeadBlock(mint: number, maxt: number): Promise<BlockMeta | null> {
    const series: MemSeries[] = [];
    for (const s of this.head.allSeries()) if (s.minT < maxt) series.push(s);
    series.sort((a, b) => Labels.compare(a.labels, b.labels));
    const id = ulid();
    function* gen(): Generator<SeriesToWrite> {
      for (const s of series) {
        const chunks: ChunkSource[] = [];
        for (const c of s.chunksIn(mint, maxt - 1)) chunks.push(...clipChunk(c, mint, maxt));
        yield { labels: s.labels, chunks };
      }
    }
    return writeBlock(this.opts.dir, id, mint, maxt, gen(), { level: 1, sources: [id] });
  }

  /**
   * Prometheus's `DB.Delete` (`/api/v1/admin/tsdb/delete_series`): the series matching `matchers` lose their
   * samples in [mint, maxt]. Blocks get tombstones (left out at query time and by compaction, removed for good by
   * `cleanTombstones`); the head's samples are deleted from memory, after a WAL record that replays the deletion.
   */
  async deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<void> {
    if (this.closed) throw new Error('TSDB is closed');
    // The API's default range is Prometheus's min/max time, beyond exact integers here; ±2^52 ms (±142,000 years)
    // still zig-zag encodes exactly in the WAL and the tombstones file.
    mint = Math.max(mint, -(2 ** 52));
    maxt = Math.min(maxt, 2 ** 52);
    while (this.compacting) await this.compacting;
    for (const b of this.blocks) {
      if (b.maxTime <= mint || b.minTime > maxt) continue;
      const ids = postingsForMatchers(b, matchers);
      if (ids.length > 0) b.addTombstones(ids, mint, maxt);
    }
    // Not inside a sliced commit: its samples would be applied around the tombstone but replayed before it.
    await this.commits.enqueue(() => this.deleteInHead(matchers, mint, maxt));
  }

  /** The head's part of `deleteSeries`: a tombstone record in the WAL, then the ranges dropped from the head. */
  private deleteInHead(matchers: readonly Matcher[], mint: number, maxt: number): void {
    const head = this.head;
    const refs = postingsForMatchers(head, matchers);
    const hit: { ref: number; mint: number; maxt: number }[] = [];
    for (const ref of refs) {
      const s = head.get(ref);
      if (s !== undefined && s.walLogged && s.minT <= maxt && s.maxT >= mint) hit.push({ ref, mint, maxt });
    }
    if (hit.length === 0) return;
    for (let i = 0; i < hit.length; i += SERIES_PER_RECORD) {
      this.w.reset();
      encodeTombstoneRecord(this.w, hit.slice(i, i + SERIES_PER_RECORD));
      this.wal.append(this.w.view());
    }
    this.wal.flush();
    for (const e of hit) head.deleteRange(head.get(e.ref)!, mint, maxt);
  }

  /**
   * Prometheus's `DB.CleanTombstones` (`/api/v1/admin/tsdb/clean_tombstones`): every block with tombstones is
   * rewritten without the deleted samples (same level and sources, the old block as parent) and the old one removed.
   */
  async cleanTombstones(): Promise<void> {
    if (this.closed) throw new Error('TSDB is closed');
    while (this.compacting) await this.compacting;
    this.compacting = (async () => {
      for (const b of this.blocks.filter((x) => x.hasTombstones)) {
        if (this.closed) return;
        await this.mergeBlocks([b], { level: b.meta.compaction.level, sources: b.meta.compaction.sources });
      }
    })().finally(() => (this.compacting = null));
    return this.compacting;
  }

  private async mergeBlocks(group: Block[], keep?: { level: number; sources: string[] }): Promise<void> {
    const started = Date.now();
    const byKey = new Map<string, { labels: Labels; parts: { block: Block; series: BlockSeries }[] }>();
    // Blocks cut from the out-of-order head first: their sample wins a timestamp tie in the merge, as the
    // out-of-order sample wins it in queries of the head (what Prometheus 2.42 answers).
    for (const b of outOfOrderBlocksFirst(group)) {
      b.acquire();
      for (const bs of b.readSeries(b.allPostings())) {
        const k = bs.labels.key();
        let e = byKey.get(k);
        if (!e) byKey.set(k, (e = { labels: bs.labels, parts: [] }));
        e.parts.push({ block: b, series: bs });
      }
    }
    try {
      const entries = [...byKey.values()].sort((a, b) => Labels.compare(a.labels, b.labels));
      byKey.clear();
      const id = ulid();
      const mint = Math.min(...group.map((b) => b.minTime));
      const maxt = Math.max(...group.map((b) => b.maxTime));
      function* gen(): Generator<SeriesToWrite> {
        for (const e of entries) {
          const chunks: ChunkSource[] = [];
          for (const p of e.parts) {
            for (const c of p.block.chunksWithoutDeleted(p.series)) chunks.push(c);
          }
          // Overlapping blocks (vertical compaction): the samples re-encoded in order, one per timestamp.
          yield { labels: e.labels, chunks: e.parts.length > 1 ? chunksForMergedBlock(chunks) : chunks };
        }
      }
      const sources = keep?.sources ?? [...new Set(group.flatMap((b) => b.meta.compaction.sources))].sort();
      const meta = await writeBlock(this.opts.dir, id, mint, maxt, gen(), {
        level: keep?.level ?? Math.max(...group.map((b) => b.meta.compaction.level)) + 1,
        sources,
        parents: group.map((b) => ({ ulid: b.meta.ulid, minTime: b.minTime, maxTime: b.maxTime })),
      });
      const gone = new Set(group);
      this.blocks = this.blocks.filter((b) => !gone.has(b));
      if (meta) this.blocks.push(Block.open(join(this.opts.dir, meta.ulid)));
      this.sortBlocks();
      this.metrics.compactions.inc();
      this.metrics.reloads.inc();
      this.logger.info({ ulid: id, sources: group.map((b) => b.meta.ulid), durationMs: Date.now() - started }, 'compact blocks');
    } finally {
      for (const b of group) b.releaseReader();
    }
    for (const b of group) b.delete();
  }

  /** Delete whole blocks past the time retention and past the size retention (blocks + WAL), oldest first. */
  private applyRetention(): void {
    const byNewest = [...this.blocks].sort((a, b) => b.maxTime - a.maxTime);
    const deletable = new Set<Block>();
    if (this.opts.retentionMs > 0 && byNewest.length > 1) {
      let any = false;
      for (let i = 1; i < byNewest.length; i++) {
        if (byNewest[0].maxTime - byNewest[i].maxTime >= this.opts.retentionMs) {
          deletable.add(byNewest[i]);
          any = true;
        }
      }
      if (any) this.metrics.timeRetentions.inc();
    }
    if (this.opts.retentionBytes > 0) {
      let size = this.wal.diskSize();
      for (let i = 0; i < byNewest.length; i++) {
        size += byNewest[i].size;
        if (size > this.opts.retentionBytes) {
          for (const b of byNewest.slice(i)) deletable.add(b);
          this.metrics.sizeRetentions.inc();
          break;
        }
      }
    }
    if (this.opts.keepBlock) for (const b of deletable) if (this.opts.keepBlock(b.meta)) deletable.delete(b);
    if (deletable.size === 0) return;
    this.blocks = this.blocks.filter((b) => !deletable.has(b));
    for (const b of deletable) {
      this.logger.info({ ulid: b.meta.ulid, minTime: b.minTime, maxTime: b.maxTime }, 'deleting block past retention');
      b.delete();
    }
    this.metrics.reloads.inc();
  }

  /**
   * After the head dropped everything before `mint`: write a checkpoint with the series, metadata and exemplars
   * still alive, and delete the leading segments whose samples are all older than `mint`.
   */
  private truncateWal(mint: number): void {
    const cur = this.wal.currentSegment;
    const segs = listSegments(this.walDir).filter((s) => s < cur);
    if (segs.length === 0) return;
    let keepFrom = cur;
    for (const s of segs) {
      if ((this.segMaxT.get(s) ?? -Infinity) >= mint) {
        keepFrom = s;
        break;
      }
    }
    if (keepFrom <= segs[0]) return;
    this.metrics.walTruncations.inc();
    this.metrics.checkpointCreations.inc();
    const head = this.head;
    const metadata = this.metadataStore;
    const exemplars = this.exemplarStorage;
    function* records(): Generator<Uint8Array> {
      const w = new ByteWriter(1 << 16);
      let batch: MemSeries[] = [];
      for (const s of head.allSeries()) {
        batch.push(s);
        if (batch.length === SERIES_PER_RECORD) {
          w.reset();
          encodeSeries(w, batch);
          yield w.view();
          batch = [];
        }
      }
      if (batch.length > 0) {
        w.reset();
        encodeSeries(w, batch);
        yield w.view();
      }
      const meta = [...metadata.entries()];
      if (meta.length > 0) {
        w.reset();
        encodeMetadata(w, meta);
        yield w.view();
      }
      let ex: { ref: number; labels: Labels; value: number; ts: number }[] = [];
      for (const e of exemplars.entries()) {
        if (head.get(e.ref) === undefined) continue;
        ex.push(e);
        if (ex.length === SERIES_PER_RECORD) {
          w.reset();
          encodeExemplars(w, ex);
          yield w.view();
          ex = [];
        }
      }
      if (ex.length > 0) {
        w.reset();
        encodeExemplars(w, ex);
        yield w.view();
      }
    }
    writeCheckpoint(this.walDir, keepFrom, records());
    for (const s of head.allSeries()) s.walLogged = true;
    this.wal.truncateBefore(keepFrom);
    for (const s of [...this.segMaxT.keys()]) if (s < keepFrom) this.segMaxT.delete(s);
  }

  private releaseIdleBlocks(): void {
    const now = Date.now();
    for (const b of this.blocks) if (b.loaded && b.readers === 0 && now - b.lastUsed > BLOCK_IDLE_RELEASE_MS) b.release();
  }

  /** Stop the background loop, wait for a running compaction, flush and close the WAL. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.compacting) await this.compacting.catch(() => {});
    await this.commits.enqueue(() => undefined).catch(() => {});
    this.closed = true;
    this.wal.close();
    this.ooo?.close();
    for (const b of this.blocks) b.release();
    this.unlock();
  }
}

function segmentSizeOf(dir: string, segment: number): number {
  try {
    return statSync(join(dir, segmentName(segment))).size;
  } catch {
    return 0;
  }
}

/** The part of a chunk inside [mint, maxt); re-encoded only when it sticks out (chunks are normally aligned). */
function clipChunk(c: ChunkRef, mint: number, maxt: number): ChunkSource[] {
  if (c.minT >= mint && c.maxT < maxt) return [{ minT: c.minT, maxT: c.maxT, data: c.data, encoding: c.encoding }];
  // A histogram chunk's samples in range may re-encode as more than one chunk (a counter reset among them).
  if (c.encoding !== undefined) return filterHistogramChunk(c, (t) => t >= mint && t < maxt);
  const t = new Float64Array(c.n);
  const v = new Float64Array(c.n);
  const n = decodeXorChunk(c.data, t, v, 0, c.n);
  const app = new XorChunkAppender();
  for (let i = 0; i < n; i++) if (t[i] >= mint && t[i] < maxt) app.append(t[i], v[i]);
  return [{ minT: app.minT, maxT: app.maxT, data: app.bytes() }];
}

/** Recreate `src`'s directory tree at `dst` with every file hard-linked. */
function linkTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (e.isDirectory()) linkTree(join(src, e.name), join(dst, e.name));
    else if (e.isFile()) linkSync(join(src, e.name), join(dst, e.name));
  }
}
