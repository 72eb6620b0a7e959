import type { FloatHistogram, MetricType } from '../../../model/index.js';

/** Protobuf enum order of `MetricMetadata.MetricType` (1.0) and `Metadata.MetricType` (2.0); they agree. */
export const METRIC_TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

export interface DecodedExemplar {
  series: number;
  /** Flat name/value pairs in wire order. */
  labels: string[];
  value: number;
  /** ms; 0 when absent on the wire. */
  ts: number;
}

/** What recognises a series by the raw bytes of its label fields (the receiver's interner): its entry, or -1. */
export interface SeriesLookup {
  lookup(raw: Uint8Array, a: number, b: number): number;
}

export interface DecodedMetadata {
  /** Series index for 2.0 (per-series metadata), -1 for 1.0 (per metric family). */
  series: number;
  family: string;
  type: MetricType;
  help: string;
  unit: string;
}

/**
 * A decoded remote-write request, columnar: series `i` has raw labels `labels[i]` (flat name/value pairs in wire
 * order, so validation can see unsorted or duplicate names), its float samples at indices
 * [sampleStart(i), sampleEnd[i]) of `t`/`v`, and `histogramEnd[i]` likewise into `histogramT` / `histograms` (native
 * histograms, decoded into the query model's FloatHistogram). Exemplars and metadata are rare and
 * kept as small objects.
 */
export class WriteRequestBatch {
  version: 1 | 2 = 1;
  seriesCount = 0;
  labels: string[][] = [];
  sampleEnd: Uint32Array;
  histogramEnd: Uint32Array;
  t: Float64Array;
  v: Float64Array;
  sampleCount = 0;
  histogramT: Float64Array;
  histogramCount = 0;
  /** The native histograms, parallel to `histogramT`. */
  histograms: FloatHistogram[] = [];
  /** Series with a label that was not valid UTF-8 on the wire (Mimir refuses them: `label_value_invalid`). */
  invalidUtf8 = new Set<number>();
  exemplars: DecodedExemplar[] = [];
  metadata: DecodedMetadata[] = [];
  /**
   * Series interning (1.0 only): when `lookup` is set, the decoder hands its `lookup` the raw bytes of each series' label
   * fields `[labelStart[i], labelEnd[i])` of `raw` (contiguous fields only; an empty range otherwise); a known
   * series (`interned[i] >= 0`, the lookup's answer) gets no decoded labels (`labels[i]` is empty). An object, not
   * a closure per request: the decoder's optimised code calls one known method (a new closure each request was a
   * "wrong call target" deoptimisation).
   */
  lookup: SeriesLookup | null = null;
  raw: Uint8Array = new Uint8Array(0);
  labelStart: Uint32Array;
  labelEnd: Uint32Array;
  interned: Int32Array;

  constructor(expectedSamples = 1024, expectedSeries = 128) {
    this.t = new Float64Array(Math.max(16, expectedSamples));
    this.v = new Float64Array(Math.max(16, expectedSamples));
    this.sampleEnd = new Uint32Array(Math.max(16, expectedSeries));
    this.histogramEnd = new Uint32Array(Math.max(16, expectedSeries));
    this.labelStart = new Uint32Array(this.sampleEnd.length);
    this.labelEnd = new Uint32Array(this.sampleEnd.length);
    this.interned = new Int32Array(this.sampleEnd.length);
    this.histogramT = new Float64Array(16);
  }

  /** Empty again, keeping the typed columns' capacity (a receiver reuses batches between requests). */
  reset(): this {
    this.version = 1;
    this.seriesCount = 0;
    this.sampleCount = 0;
    this.histogramCount = 0;
    this.labels = [];
    this.histograms = [];
    this.invalidUtf8.clear();
    this.exemplars = [];
    this.metadata = [];
    this.lookup = null;
    this.raw = new Uint8Array(0);
    return this;
  }

  /** Samples the typed columns hold without growing. */
  get capacity(): number {
    return this.t.length;
  }

  sampleStart(i: number): number {
    return i === 0 ? 0 : this.sampleEnd[i - 1];
  }

  histogramStart(i: number): number {
    return i === 0 ? 0 : this.histogramEnd[i - 1];
  }

  /** Start a series; returns its index. */
  beginSeries(): number {
    const i = this.seriesCount++;
    if (i === this.sampleEnd.length) {
      this.sampleEnd = grow32(this.sampleEnd);
      this.histogramEnd = grow32(this.histogramEnd);
      this.labelStart = grow32(this.labelStart);
      this.labelEnd = grow32(this.labelEnd);
      const interned = new Int32Array(this.sampleEnd.length);
      interned.set(this.interned);
      this.interned = interned;
    }
    this.labels[i] = [];
    this.labelStart[i] = 0;
    this.labelEnd[i] = 0;
    this.interned[i] = -1;
    this.sampleEnd[i] = this.sampleCount;
    this.histogramEnd[i] = this.histogramCount;
    return i;
  }

  pushSample(series: number, t: number, v: number): void {
    const n = this.sampleCount++;
    if (n === this.t.length) {
      this.t = grow64(this.t);
      this.v = grow64(this.v);
    }
    this.t[n] = t;
    this.v[n] = v;
    this.sampleEnd[series] = this.sampleCount;
  }

  pushHistogram(series: number, t: number, h: FloatHistogram): void {
    const n = this.histogramCount++;
    if (n === this.histogramT.length) this.histogramT = grow64(this.histogramT);
    this.histogramT[n] = t;
    this.histograms[n] = h;
    this.histogramEnd[series] = this.histogramCount;
  }
}

function grow64(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function grow32(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}
