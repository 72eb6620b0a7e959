import { METRIC_NAME, type FloatHistogram, type Labels } from '../../model/index.js';

/** The labels Prometheus 3 treats as metric metadata and drops together with the name (`__type__`, `__unit__` with type-and-unit labels). */
export const METADATA_LABELS = [METRIC_NAME, '__type__', '__unit__'];

/**
 * Intermediate values of the evaluator. An instant vector over all steps of the query is a list of step series:
 * one label set with one value slot per step (`has` marks the steps where the series has a value). Range vectors
 * (arguments of range functions) keep their raw samples with the window parameters.
 */
/**
 * Step values of short series (instant queries: one step each, over up to millions of series) are cut from shared
 * zeroed slabs instead of two small ArrayBuffers per series; a slab lives as long as any series cut from it.
 */
const STEP_SLAB = 1 << 14;
let stepSlabV = new Float64Array(STEP_SLAB);
let stepSlabHas = new Uint8Array(STEP_SLAB);
let stepSlabUsed = 0;

export class StepSeries {
  constructor(
    public labels: Labels,
    readonly v: Float64Array,
    readonly has: Uint8Array,
    /** Prometheus 3's delayed `__name__` removal: drop the name when the result leaves the engine. */
    public dropName: boolean,
    /** Native histogram values per step (where set, the step's value is this histogram, not `v`). */
    public h?: (FloatHistogram | undefined)[],
  ) {}

  /** The histogram at step i, if the value there is one. */
  hist(i: number): FloatHistogram | undefined {
    return this.h?.[i];
  }

  setHist(i: number, h: FloatHistogram | undefined): void {
    if (!this.h) {
      if (!h) return;
      this.h = new Array<FloatHistogram | undefined>(this.v.length).fill(undefined);
    }
    this.h[i] = h;
  }

  static empty(labels: Labels, steps: number, dropName = false): StepSeries {
    if (steps > STEP_SLAB >> 6) return new StepSeries(labels, new Float64Array(steps), new Uint8Array(steps), dropName);
    if (stepSlabUsed + steps > STEP_SLAB) {
      stepSlabV = new Float64Array(STEP_SLAB);
      stepSlabHas = new Uint8Array(STEP_SLAB);
      stepSlabUsed = 0;
    }
    const a = stepSlabUsed;
    stepSlabUsed += steps;
    return new StepSeries(labels, stepSlabV.subarray(a, a + steps), stepSlabHas.subarray(a, a + steps), dropName);
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < this.has.length; i++) n += this.has[i];
    return n;
  }
}

/** One series of a range vector: its samples (staleness markers removed), time-ordered. */
export interface RawSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  dropName: boolean;
  /** Native histogram samples parallel to t/v. */
  h?: (FloatHistogram | undefined)[];
}

export interface RangeVector {
  series: RawSeries[];
  rangeMs: number;
  offsetMs: number;
  /** Fixed evaluation time from `@`, or null. */
  atMs: number | null;
  /** Extended range selectors: windows reach back (and for `smoothed` forward) by the lookback delta. */
  anchored?: boolean;
  smoothed?: boolean;
}

export type Value =
  | { type: 'scalar'; v: Float64Array }
  | { type: 'vector'; series: StepSeries[] }
  | { type: 'string'; v: string }
  | { type: 'matrix'; m: RangeVector };
