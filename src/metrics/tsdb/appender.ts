import { METRIC_NAME, type Exemplar, type FloatHistogram, type Labels, type MetricMetadata } from '../../model/index.js';
import { lastHistogram, sameHistogram } from './head-histograms.js';
import { AppendError, type Appender, type SeriesRef } from '../storage-api/interface.js';
import type { ExemplarStorage } from './exemplar-storage.js';
import { sameBits, type Head, type MemSeries } from './head.js';
import type { MetadataStore } from './metadata-store.js';
import { OOO_DUPLICATE_CONFLICT, OOO_DUPLICATE_SAME, OOO_TOO_OLD, oooAppendable, type OooAppendContext } from './ooo-head.js';

/** What an appender hands to the TSDB on commit: columnar samples (series by index into `series`). */
export interface AppendBatch {
  series: MemSeries[];
  sidx: Uint32Array;
  t: Float64Array;
  v: Float64Array;
  n: number;
  exemplars: { s: MemSeries; labels: Labels; value: number; ts: number }[];
  metadata: { metric: string; meta: MetricMetadata }[];
  /** Set when the TSDB has an out-of-order window (`ooo-ingest.ts` applies the batch). */
  ooo: OooAppendContext | null;
  /** Native histogram samples (applied after the float samples). */
  histograms?: { s: MemSeries; t: number; h: FloatHistogram }[];
}

export interface AppenderHost {
  readonly head: Head;
  readonly exemplarStorage: ExemplarStorage;
  readonly metadataStore: MetadataStore;
  countOutOfOrder(type?: 'float' | 'histogram'): void;
  countOutOfBounds(type?: 'float' | 'histogram'): void;
  /** The out-of-order window's limits for a new appender, or null without a window. */
  oooContext(): OooAppendContext | null;
  countTooOld(): void;
  /** Durable in the WAL and applied to the head once it returned (or its promise resolved: a sliced commit). */
  commitBatch(b: AppendBatch): void | Promise<void>;
}

let nextAppenderId = 1;

/** Sample columns of one appender, reused by later appenders (a remote-write request must not allocate them anew). */
interface Columns {
  sidx: Uint32Array;
  t: Float64Array;
  v: Float64Array;
}
const EMPTY_COLUMNS: Columns = { sidx: new Uint32Array(0), t: new Float64Array(0), v: new Float64Array(0) };
const freeColumns: Columns[] = [];
/** Kept for reuse: at most this many sets, each at most this many samples (a rare huge batch is not kept). */
const MAX_FREE_COLUMNS = 8;
const MAX_KEPT_SAMPLES = 1 << 16;

/**
 * Validates and buffers samples as Prometheus's head appender does: older than the head allows -> "out of bounds";
 * older than the series' newest sample -> "out of order sample"; same timestamp with other value bits ->
 * "duplicate sample for timestamp"; same timestamp and value -> accepted and ignored. Series are created in the
 * head on first append (as Prometheus does); `commit` writes the WAL, flushes, then applies.
 */
export class TsdbAppender implements Appender {
  private readonly id = nextAppenderId++;
  private series: MemSeries[] = [];
  private sidx = EMPTY_COLUMNS.sidx;
  private t = EMPTY_COLUMNS.t;
  private v = EMPTY_COLUMNS.v;
  private n = 0;
  private exemplars: AppendBatch['exemplars'] = [];
  private metadata: AppendBatch['metadata'] = [];
  private histograms: NonNullable<AppendBatch['histograms']> = [];
  /** The newest pending histogram per series (duplicate checks). */
  private pendingHistogram = new Map<MemSeries, FloatHistogram>();
  private done = false;
  private readonly ooo: OooAppendContext | null;

  constructor(private readonly host: AppenderHost) {
    this.ooo = host.oooContext();
  }

  private seriesFor(ref: SeriesRef, labels: Labels): MemSeries {
    const head = this.host.head;
    const s = head.get(ref);
    if (s !== undefined && !s.deleted) return s;
    if (labels.size === 0) throw new AppendError('invalid_labels', 'empty labelset');
    return head.getOrCreate(labels).series;
  }

  private touch(s: MemSeries): number {
    if (s.pendOwner !== this.id) {
      s.pendOwner = this.id;
      s.pendT = s.maxT;
      s.pendV = s.lastV;
      s.pendIdx = this.series.length;
      this.series.push(s);
    }
    return s.pendIdx;
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.done) throw new Error('appender already committed or rolled back');
    const s = this.seriesFor(ref, labels);
    if (this.ooo !== null) {
      // With an out-of-order window: Prometheus's checks against the committed samples; commit sorts out the rest.
      const verdict = oooAppendable(this.ooo, s, t, v);
      if (verdict === OOO_DUPLICATE_SAME) return s.ref;
      if (verdict === OOO_DUPLICATE_CONFLICT) throw new AppendError('duplicate_sample', 'duplicate sample for timestamp');
      if (verdict === OOO_TOO_OLD) {
        this.host.countTooOld();
        throw new AppendError('too_old', 'too old sample');
      }
    } else if (t < this.host.head.appendableMinValidTime()) {
      this.host.countOutOfBounds();
      throw new AppendError('out_of_bounds', 'out of bounds');
    }
    const lastT = s.pendOwner === this.id ? s.pendT : s.maxT;
    if (this.ooo === null && t <= lastT) {
      if (t < lastT) {
        this.host.countOutOfOrder();
        throw new AppendError('out_of_order', 'out of order sample');
      }
      const lastV = s.pendOwner === this.id ? s.pendV : s.lastV;
      if (sameBits(v, lastV)) return s.ref;
      throw new AppendError('duplicate_sample', 'duplicate sample for timestamp');
    }
    const idx = this.touch(s);
    s.pendT = t;
    s.pendV = v;
    if (this.n === this.t.length) this.grow();
    this.sidx[this.n] = idx;
    this.t[this.n] = t;
    this.v[this.n] = v;
    this.n++;
    return s.ref;
  }

  /** As `append`, for a native histogram sample (counted with type="histogram"). */
  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: FloatHistogram): SeriesRef {
    if (this.done) throw new Error('appender already committed or rolled back');
    const s = this.seriesFor(ref, labels);
    if (t < this.host.head.appendableMinValidTime()) {
      this.host.countOutOfBounds('histogram');
      throw new AppendError('out_of_bounds', 'out of bounds');
    }
    const pending = s.pendOwner === this.id;
    const lastT = pending ? s.pendT : s.maxT;
    if (t <= lastT) {
      if (t < lastT) {
        this.host.countOutOfOrder('histogram');
        throw new AppendError('out_of_order', 'out of order sample');
      }
      const last = pending ? this.pendingHistogram.get(s) : lastHistogram(s);
      if (last && sameHistogram(last, h)) return s.ref;
      throw new AppendError('duplicate_sample', 'duplicate sample for timestamp');
    }
    this.touch(s);
    s.pendT = t;
    this.pendingHistogram.set(s, h);
    this.histograms.push({ s, t, h });
    return s.ref;
  }

  private grow(): void {
    if (this.t.length === 0) {
      const c = freeColumns.pop() ?? { sidx: new Uint32Array(1024), t: new Float64Array(1024), v: new Float64Array(1024) };
      this.sidx = c.sidx;
      this.t = c.t;
      this.v = c.v;
      return;
    }
    const cap = this.t.length * 2;
    const sidx = new Uint32Array(cap);
    sidx.set(this.sidx);
    const t = new Float64Array(cap);
    t.set(this.t);
    const v = new Float64Array(cap);
    v.set(this.v);
    this.sidx = sidx;
    this.t = t;
    this.v = v;
  }

  appendExemplar(ref: SeriesRef, labels: Labels, exemplar: Exemplar): SeriesRef {
    const s = this.seriesFor(ref, labels);
    if (this.host.exemplarStorage.validate(s.ref, exemplar)) {
      this.touch(s);
      this.exemplars.push({ s, labels: exemplar.labels, value: exemplar.value, ts: exemplar.ts });
    }
    return s.ref;
  }

  updateMetadata(ref: SeriesRef, labels: Labels, meta: MetricMetadata): SeriesRef {
    const s = this.seriesFor(ref, labels);
    const metric = s.labels.get(METRIC_NAME);
    if (!this.host.metadataStore.has(metric, meta)) this.metadata.push({ metric, meta });
    return s.ref;
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      if (this.n > 0 || this.exemplars.length > 0 || this.metadata.length > 0 || this.histograms.length > 0) {
        const histograms = this.histograms;
        await this.host.commitBatch({ series: this.series, sidx: this.sidx, t: this.t, v: this.v, n: this.n, exemplars: this.exemplars, metadata: this.metadata, ooo: this.ooo, histograms });
      }
    } finally {
      this.release();
    }
  }

  rollback(): void {
    if (this.done) return;
    this.done = true;
    this.release();
  }

  private release(): void {
    for (const s of this.series) if (s.pendOwner === this.id) s.pendOwner = 0;
    // commitBatch has applied the columns: hand them to the next appender.
    if (this.t.length > 0 && this.t.length <= MAX_KEPT_SAMPLES && freeColumns.length < MAX_FREE_COLUMNS) freeColumns.push({ sidx: this.sidx, t: this.t, v: this.v });
    this.sidx = EMPTY_COLUMNS.sidx;
    this.t = EMPTY_COLUMNS.t;
    this.v = EMPTY_COLUMNS.v;
    this.series = [];
    this.exemplars = [];
    this.metadata = [];
    this.histograms = [];
    this.pendingHistogram.clear();
    this.n = 0;
  }
}
