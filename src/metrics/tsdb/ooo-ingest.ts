import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Labels } from '../../model/index.js';
import { writeBlock, type BlockMeta, type SeriesToWrite } from './block-writer.js';
import { APPLIED, type Head, type MemSeries } from './head.js';
import { OooMetrics } from './ooo-metrics.js';
import {
  OOO_INSERT,
  OOO_IN_ORDER,
  OOO_TOO_OLD,
  OooSeriesChunks,
  encodeChunks,
  mergedSamples,
  oooAppendable,
  type OooAppendContext,
} from './ooo-head.js';
import { ulid } from './ulid.js';
import { WriteBehindLog } from './wbl.js';

/** The compaction hint Prometheus puts in `meta.json` of a block cut from the out-of-order head. */
export const FROM_OUT_OF_ORDER = 'from-out-of-order';

export function isOutOfOrderBlock(meta: BlockMeta): boolean {
  return meta.compaction.hints?.includes(FROM_OUT_OF_ORDER) ?? false;
}

/** Blocks to merge with the ones cut from the out-of-order head first (their samples win a timestamp tie). */
export function outOfOrderBlocksFirst<B extends { meta: BlockMeta }>(group: readonly B[]): B[] {
  return [...group].sort((x, y) => Number(isOutOfOrderBlock(y.meta)) - Number(isOutOfOrderBlock(x.meta)));
}

/** A committed batch as the appender hands it over (see `AppendBatch`). */
export interface OooCommit {
  series: MemSeries[];
  sidx: Uint32Array;
  t: Float64Array;
  v: Float64Array;
  n: number;
  ooo: OooAppendContext;
}

export interface OutOfOrderOptions {
  /** The TSDB directory; the log lives in `<dir>/wbl`. */
  dir: string;
  windowMs: number;
  registry: Registry;
  logger: Logger;
  walFsyncIntervalMs?: number;
  walSegmentSize?: number;
}

/**
 * Out-of-order ingestion as Prometheus 2.42 does it (`storage.tsdb.out_of_order_time_window`): a sample older than
 * its series' newest one (or than the head's in-order limit) but not older than `head maxTime − window` goes to the
 * series' out-of-order chunks, and is logged in the write-behind log before the commit returns; older ones are
 * refused as "too old sample". Queries see the out-of-order chunks beside the in-order ones (out-of-order wins a tie);
 * after each head compaction the whole out-of-order head is written into blocks of the block range (marked
 * `from-out-of-order`), which overlap the in-order blocks and are merged with them by vertical compaction.
 */
export class OutOfOrderIngest {
  readonly metrics: OooMetrics;
  private wbl: WriteBehindLog | null = null;
  private refs = new Uint32Array(256);
  private ts = new Float64Array(256);
  private vs = new Float64Array(256);
  minT = Infinity;
  maxT = -Infinity;

  constructor(
    private readonly head: Head,
    private readonly opts: OutOfOrderOptions,
  ) {
    this.metrics = new OooMetrics(opts.registry, () => this.wbl?.currentSegment ?? 0);
  }

  /** The window now (changeable at runtime, e.g. a tenant's limit). */
  get windowMs(): number {
    return this.opts.windowMs;
  }

  set windowMs(ms: number) {
    this.opts.windowMs = ms;
  }

  /** Whether a TSDB needs this: a window is set, or an earlier run left a write-behind log to replay. */
  static wanted(dir: string, windowMs: number): boolean {
    return windowMs > 0 || existsSync(join(dir, 'wbl'));
  }

  /** Replay the write-behind log into the series the WAL replay created (`refMap`: WAL ref → series). */
  open(refMap: ReadonlyMap<number, MemSeries>): void {
    let corrupt = 0;
    this.wbl = WriteBehindLog.open(
      { dir: join(this.opts.dir, 'wbl'), fsyncIntervalMs: this.opts.walFsyncIntervalMs, segmentSize: this.opts.walSegmentSize },
      (refs, ts, vs, n) => {
        for (let i = 0; i < n; i++) {
          const s = refMap.get(refs[i]);
          if (s !== undefined) this.insert(s, ts[i], vs[i]);
        }
      },
      (e) => {
        corrupt++;
        this.opts.logger.warn({ err: e }, 'skipping malformed WBL record');
      },
    );
    if (corrupt > 0) this.opts.logger.warn({ corrupt }, 'WBL replay found corruption');
  }

  /** What an appender created now checks against, or null when the window is 0. */
  context(): OooAppendContext | null {
    if (!(this.opts.windowMs > 0)) return null;
    return { windowMs: this.opts.windowMs, headMaxT: this.head.maxT, minValidTime: this.head.appendableMinValidTime() };
  }

  private insert(s: MemSeries, t: number, v: number): boolean {
    const o = (s.ooo ??= new OooSeriesChunks());
    if (!o.insert(t, v)) return false;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    return true;
  }

  /**
   * Apply a committed batch (already in the WAL) as Prometheus's `headAppender.Commit` with a window: each sample
   * is checked again against the series as it is now, then goes in order, into the out-of-order chunks, or is
   * refused. The out-of-order ones are then logged in the WBL and flushed. Returns the samples appended (in-order
   * and out-of-order, as `prometheus_tsdb_head_samples_appended_total` counts them).
   */
  apply(b: OooCommit): number {
    const head = this.head;
    let appended = 0;
    let tooOld = 0;
    let m = 0;
    if (this.refs.length < b.n) {
      this.refs = new Uint32Array(b.n);
      this.ts = new Float64Array(b.n);
      this.vs = new Float64Array(b.n);
    }
    for (let i = 0; i < b.n; i++) {
      const s = b.series[b.sidx[i]];
      const t = b.t[i];
      const v = b.v[i];
      const verdict = oooAppendable(b.ooo, s, t, v);
      if (verdict === OOO_IN_ORDER) {
        if (head.appendSample(s, t, v) === APPLIED) appended++;
      } else if (verdict === OOO_INSERT) {
        if (this.insert(s, t, v)) {
          this.refs[m] = s.ref;
          this.ts[m] = t;
          this.vs[m] = v;
          m++;
        }
      } else if (verdict === OOO_TOO_OLD) tooOld++;
    }
    if (tooOld > 0) this.metrics.tooOld.inc({ type: 'float' }, tooOld);
    if (m > 0) {
      this.metrics.samplesAppended.inc(m);
      try {
        this.wbl!.log(this.refs, this.ts, this.vs, m);
      } catch (e) {
        this.metrics.wblWritesFailed.inc();
        throw e;
      }
    }
    return appended + m;
  }

  /**
   * Write the whole out-of-order head into blocks of `blockRange` (aligned, `from-out-of-order`), hand each to
   * `added`, then drop what was written from memory and the WBL. Appends may go on meanwhile: chunks and WBL
   * segments are cut first, and only those are dropped.
   */
  async compact(blockRange: number, added: (meta: BlockMeta) => Promise<void>): Promise<void> {
    if (this.wbl === null) return;
    const snap: { s: MemSeries; count: number }[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of this.head.allSeries()) {
      const o = s.ooo;
      if (o === null) continue;
      o.cut();
      snap.push({ s, count: o.closed.length });
      if (o.minT < lo) lo = o.minT;
      if (o.maxT > hi) hi = o.maxT;
    }
    if (snap.length === 0) return;
    const segment = this.wbl.cut();
    snap.sort((a, b) => Labels.compare(a.s.labels, b.s.labels));
    const merged = snap.map((e) => ({ labels: e.s.labels, ...mergedSamples(e.s.ooo!.closed.slice(0, e.count)) }));
    for (let t0 = Math.floor(lo / blockRange) * blockRange; t0 <= hi; t0 += blockRange) {
      const t1 = t0 + blockRange;
      const id = ulid();
      const gen = function* (): Generator<SeriesToWrite> {
        for (const e of merged) {
          const from = lowerBound(e.t, e.n, t0);
          const to = lowerBound(e.t, e.n, t1);
          if (to > from) yield { labels: e.labels, chunks: encodeChunks(e.t, e.v, from, to) };
        }
      };
      const meta = await writeBlock(this.opts.dir, id, t0, t1, gen(), { level: 1, sources: [id], hints: [FROM_OUT_OF_ORDER] });
      if (meta) await added(meta);
    }
    let newMin = Infinity;
    let newMax = -Infinity;
    for (const e of snap) {
      const o = e.s.ooo;
      if (o === null) continue;
      o.dropClosed(e.count);
      if (o.empty) e.s.ooo = null;
      else {
        newMin = Math.min(newMin, o.minT);
        newMax = Math.max(newMax, o.maxT);
      }
    }
    this.minT = newMin;
    this.maxT = newMax;
    this.wbl.truncateBefore(segment);
    this.metrics.wblTruncations.inc();
  }

  diskSize(): number {
    return this.wbl?.diskSize() ?? 0;
  }

  close(): void {
    this.wbl?.close();
    this.wbl = null;
  }
}

function lowerBound(t: Float64Array, n: number, x: number): number {
  let a = 0;
  let b = n;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (t[mid] < x) a = mid + 1;
    else b = mid;
  }
  return a;
}
