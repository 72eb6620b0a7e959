import {
  appendErrorFailure,
  invalidLabelValueFailure,
  seriesLimitMessage,
  validateSampleTime,
  validateSeriesLabels,
  type SeriesTracker,
  type TenantLimits,
  type ValidationFailure,
} from '../../limits/index.js';
import { Labels } from '../../../model/index.js';
import { AppendError, type Appendable, type Appender, type SeriesRef } from '../../storage-api/index.js';
import { decodeLabelFields, type WriteRequestBatch } from '../codec/index.js';
import type { ReceiverMetrics } from './receiver-metrics.js';
import type { SeriesInterner } from './series-interner.js';

/** Where a sliced loop may stop: `due()` says its slice of the event loop is used up (a `TimeSlicer`). */
export interface SliceClock {
  due(): boolean;
}

/**
 * The per-request state of a remote-write push between decode and commit: the distributor's validation (series
 * labels through the interner, then each sample's time) and the ingester's appends, each a synchronous step over a
 * run of series that stops where `clock` says its slice is used up and goes on from there when called again (the
 * caller yields to the event loop in between). The hot loops are small synchronous methods of one class, not one
 * large async function: V8 optimises each on its own (an async function holding every loop was recompiled 4-5 times
 * under the bench's load, ~150-240 ms of TurboFan each, more CPU than the ingest it compiled), and the rare paths
 * (failures, histograms) do not deoptimise the common one.
 */
export class RequestIngest {
  firstError: string | undefined = undefined;
  validSamples = 0;
  validHistograms = 0;
  written = 0;
  histogramsWritten = 0;
  failedAppends = 0;
  /** A series appears twice in the request: appends must not yield between series (see `appendSome`). */
  repeats = false;
  /** Per series: its validated labels, undefined when refused. */
  readonly seriesLabels: (Labels | undefined)[];
  /** Per series: its storage ref after the appends. */
  readonly refs: Float64Array;
  private readonly ok: Uint8Array;
  private readonly hok: Uint8Array;
  private readonly distinct = new Set<string>();
  private readonly seenIds = new Set<number>();
  /** The series the next step starts at, and (validation) the sample inside it, -1 before its labels. */
  private i = 0;
  private j = -1;

  constructor(
    readonly tenant: string,
    readonly batch: WriteRequestBatch,
    private readonly interner: SeriesInterner,
    /** The interner's generation when the batch was decoded (its entry numbers are valid for it). */
    private readonly generation: number,
    private readonly limits: TenantLimits,
    private readonly now: number,
    private readonly metrics: ReceiverMetrics,
  ) {
    this.seriesLabels = new Array<Labels | undefined>(batch.seriesCount);
    this.refs = new Float64Array(batch.seriesCount);
    this.ok = new Uint8Array(batch.sampleCount);
    this.hok = new Uint8Array(batch.histogramCount);
  }

  /** The batch's interner entries are void once the interner was cleared (by another request, between slices). */
  private cleared(): boolean {
    return this.interner.generation !== this.generation;
  }

  discard(reason: string, n: number): void {
    if (n > 0) this.metrics.discardedSamples.labels(reason, this.tenant).inc(n);
  }

  fail(f: ValidationFailure, n: number): void {
    this.discard(f.reason, n);
    this.firstError ??= f.message;
  }

  /** True once every series is validated (then `restart()` before the appends). */
  get finished(): boolean {
    return this.i >= this.batch.seriesCount;
  }

  /** The appends start again from the first series. */
  restart(): void {
    this.i = 0;
    this.j = -1;
    this.distinct.clear();
    this.seenIds.clear();
  }

  /**
   * Validation (distributor): series labels, then each sample's time; `ok` marks samples that passed. Stops when
   * `clock` is due (between series and between samples: it changes nothing but counters, so the caller may yield).
   */
  validateSome(clock: SliceClock): void {
    const batch = this.batch;
    const n = batch.seriesCount;
    while (this.i < n) {
      const i = this.i;
      if (this.j < 0) {
        if (clock.due()) return;
        const labels = this.seriesVerdict(i);
        if (labels === undefined) {
          this.i++;
          continue;
        }
        this.validateHistograms(i, labels);
        this.j = batch.sampleStart(i);
      }
      const labels = this.seriesLabels[i]!;
      const s1 = batch.sampleEnd[i];
      const t = batch.t;
      const ok = this.ok;
      const now = this.now;
      const limits = this.limits;
      let j = this.j;
      let valid = 0;
      for (; j < s1; j++) {
        if (clock.due()) break;
        const f = validateSampleTime(t[j], now, limits, labels);
        if (f) this.fail(f, 1);
        else {
          ok[j] = 1;
          valid++;
        }
      }
      this.validSamples += valid;
      if (j < s1) {
        this.j = j;
        return;
      }
      this.j = -1;
      this.i++;
    }
  }

  /** The labels of series `i` (interned or decoded and validated; remembered when valid), undefined when refused. */
  private seriesVerdict(i: number): Labels | undefined {
    const batch = this.batch;
    const interner = this.interner;
    const entry = batch.interned;
    let id = entry[i];
    if (id >= 0 && this.cleared()) {
      // Recognised at decode time, but the entry may now be another series': its labels from its bytes, and no
      // more yields between appends (repeats were told apart by entry until now).
      batch.labels[i] = decodeLabelFields(batch.raw, batch.labelStart[i], batch.labelEnd[i]);
      entry[i] = id = -1;
      this.repeats = true;
    }
    let res: Labels | ValidationFailure;
    if (id >= 0 && interner.limits[id] === this.limits) res = interner.labels[id];
    else res = this.validateLabels(i, id);
    if (!(res instanceof Labels)) {
      this.fail(res, batch.sampleEnd[i] - batch.sampleStart(i) + batch.histogramEnd[i] - batch.histogramStart(i));
      return undefined;
    }
    this.seriesLabels[i] = res;
    if (!this.repeats) {
      id = entry[i];
      if (id >= 0) {
        // A set of this request's own (other requests interleave at the yields, so no mark on the shared entry).
        if (this.seenIds.has(id)) this.repeats = true;
        else this.seenIds.add(id);
      } else {
        const key = res.key();
        if (this.distinct.has(key)) this.repeats = true;
        else this.distinct.add(key);
      }
    }
    return res;
  }

  /** Labels decoded: validate; a valid series whose label bytes are one run is remembered. */
  private validateLabels(i: number, id: number): Labels | ValidationFailure {
    const batch = this.batch;
    const entry = batch.interned;
    if (id >= 0) batch.labels[i] = decodeLabelFields(batch.raw, batch.labelStart[i], batch.labelEnd[i]);
    const res = batch.invalidUtf8.has(i) ? invalidLabelValueFailure(batch.labels[i]) : validateSeriesLabels(batch.labels[i], this.limits);
    if (res instanceof Labels) {
      if (id >= 0) this.interner.revalidated(id, res, this.limits);
      else if (batch.labelEnd[i] > batch.labelStart[i]) entry[i] = this.interner.add(batch.raw, batch.labelStart[i], batch.labelEnd[i], res, this.limits);
    } else entry[i] = -1;
    return res;
  }

  private validateHistograms(i: number, labels: Labels): void {
    const batch = this.batch;
    for (let j = batch.histogramStart(i); j < batch.histogramEnd[i]; j++) {
      const f = validateSampleTime(batch.histogramT[j], this.now, this.limits, labels);
      if (f) this.fail(f, 1);
      else {
        this.hok[j] = 1;
        this.validHistograms++;
      }
    }
  }

  /**
   * The appends (ingester): series limit, then each valid sample of a series into `app`. Stops between series when
   * `clock` is due, unless a series repeats in the request: an appender keeps a series' pending state only until
   * another appender touches it, so a series appended twice must not see a yield in between.
   */
  appendSome(app: Appender, store: Appendable, tracker: SeriesTracker, clock: SliceClock): void {
    const n = this.batch.seriesCount;
    while (this.i < n) {
      if (!this.repeats && clock.due()) return;
      const i = this.i++;
      if (this.seriesLabels[i] !== undefined) this.appendSeries(i, app, store, tracker);
    }
  }

  private appendSeries(i: number, app: Appender, store: Appendable, tracker: SeriesTracker): void {
    const batch = this.batch;
    const labels = this.seriesLabels[i]!;
    const ok = this.ok;
    const s0 = batch.sampleStart(i);
    const s1 = batch.sampleEnd[i];
    let n = 0;
    for (let j = s0; j < s1; j++) n += ok[j];
    const h0 = batch.histogramStart(i);
    const h1 = batch.histogramEnd[i];
    for (let j = h0; j < h1; j++) n += this.hok[j];
    if (n === 0) return;
    const limits = this.limits;
    // 0 = unlimited: nothing to count, so the series' key is not kept either (memory of the Prometheus role).
    if (limits.max_global_series_per_user > 0 && !tracker.admit(this.tenant, labels, limits.max_global_series_per_user, this.now)) {
      this.discard('per_user_series_limit', n);
      this.firstError ??= seriesLimitMessage(limits.max_global_series_per_user);
      this.seriesLabels[i] = undefined;
      return;
    }
    const interner = this.interner;
    const id = this.cleared() ? -1 : batch.interned[i];
    // A ref read from the interner's Float64Array is a double; a small one is passed as an integer, as the store
    // returns it (the appender's optimised code, specialised on integers, deoptimised on the first double).
    const known = id >= 0 ? interner.refs[id] : 0;
    let ref: SeriesRef = known <= 0x3fffffff ? known | 0 : known;
    const before = this.written;
    const histogramsBefore = this.histogramsWritten;
    const t = batch.t;
    const v = batch.v;
    let written = 0;
    for (let j = s0; j < s1; j++) {
      if (ok[j] === 0) continue;
      try {
        ref = app.append(ref, labels, t[j], v[j]);
        written++;
      } catch (e) {
        this.appendFailed(e, t[j], labels);
      }
    }
    this.written += written;
    if (h1 > h0) ref = this.appendHistograms(app, ref, labels, h0, h1);
    if (this.written === before && this.histogramsWritten === histogramsBefore) tracker.forget(this.tenant, labels);
    this.refs[i] = ref;
    if (id >= 0 && interner.refs[id] !== ref) {
      // A new ref: keep the store's copy of the labels, not a second one decoded from this request.
      interner.setRef(id, ref);
      const stored = store.labelsOf?.(ref);
      if (stored) interner.revalidated(id, stored, limits);
    }
  }

  private appendFailed(e: unknown, t: number, labels: Labels): void {
    if (!(e instanceof AppendError)) throw e;
    this.fail(appendErrorFailure(e.kind, t, labels), 1);
    this.failedAppends++;
  }

  private appendHistograms(app: Appender, ref: SeriesRef, labels: Labels, h0: number, h1: number): SeriesRef {
    const batch = this.batch;
    for (let j = h0; j < h1; j++) {
      if (this.hok[j] === 0) continue;
      if (!app.appendHistogram) {
        this.discard('native_histogram_unsupported', 1);
        continue;
      }
      try {
        ref = app.appendHistogram(ref, labels, batch.histogramT[j], batch.histograms[j]);
        this.histogramsWritten++;
      } catch (e) {
        this.appendFailed(e, batch.histogramT[j], labels);
      }
    }
    return ref;
  }
}
