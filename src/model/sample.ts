import type { Labels } from './labels.js';
import type { FloatHistogram } from './float-histogram.js';

/**
 * Samples are (timestamp in milliseconds, float64 value). A staleness marker is a special NaN
 * (0x7ff0000000000002, as Prometheus's `value.StaleNaN`). V8 may set the quiet bit when a NaN passes through
 * a JavaScript array, so `isStaleNaN` ignores that bit and checks the payload.
 */
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

scratchWords[HI] = 0x7ff00000;
scratchWords[LO] = 2;
export const STALE_NAN: number = scratch[0];

export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not NaN
  scratch[0] = v;
  return scratchWords[LO] === 2 && (scratchWords[HI] & 0xfff7ffff) === 0x7ff00000;
}

/** A batch of samples of one series in time order, columnar. `length` may be less than the arrays' length. */
export interface SampleBatch {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly length: number;
  /**
   * Native histogram samples, parallel to t/v (optional; absent = all floats). Where `h[i]` is set the sample is a
   * histogram and `v[i]` is meaningless; staleness markers stay floats.
   */
  readonly h?: readonly (FloatHistogram | undefined)[];
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface MetricMetadata {
  type: MetricType;
  help: string;
  unit: string;
}

export interface Exemplar {
  labels: Labels;
  value: number;
  /** Milliseconds; NaN when the exemplar had no timestamp. */
  ts: number;
}
