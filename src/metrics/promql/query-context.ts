import type { TimeSlicer } from '../../lib/time-slice.js';
import type { Querier } from '../storage-api/index.js';

export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** State shared by the evaluators of one query (the top level and its subqueries). */
export interface QueryContext {
  querier: Querier;
  query: string;
  /** Start and end of the whole query, for `@ start()` / `@ end()`. */
  queryStart: number;
  queryEnd: number;
  lookbackDelta: number;
  maxSamples: number;
  deadline: number;
  signal?: AbortSignal;
  /**
   * Cooperative time slicing: evaluation runs on the process's one event loop, so after `sliceMs` of work it
   * yields (`setImmediate`) to let ingest and other requests run, then checks the deadline and cancellation.
   */
  slice?: TimeSlicer;
  subqueryStep: number;
  warnings: Set<string>;
  infos: Set<string>;
  currentSamples: number;
  peakSamples: number;
  samplesLoaded: number;
  /** True when the top-level query is a range query (for the sort warning). */
  isRange: boolean;
}
