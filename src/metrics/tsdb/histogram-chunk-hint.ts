/** The counter-reset hint of a sample read from a histogram chunk (Prometheus's `counterResetHint`). */
import type { CounterResetHint } from '../../model/index.js';
import { CounterResetHeader, type SpanHistogram } from './histogram-chunk-layout.js';

export interface DecodedHistogram {
  t: number;
  h: SpanHistogram;
  hint: CounterResetHint;
}

/**
 * `numRead` counts from 1. A gauge chunk holds gauge histograms only; after the first sample of a counter chunk
 * there is no reset (a reset cuts a new chunk); the first sample is a reset when the chunk says so, else unknown
 * (the previous chunk may be gone).
 */
export function counterResetHintOf(header: CounterResetHeader, numRead: number): CounterResetHint {
  if (header === CounterResetHeader.GaugeType) return 'gauge';
  if (numRead > 1) return 'not_reset';
  if (header === CounterResetHeader.CounterReset) return 'reset';
  return 'unknown';
}
