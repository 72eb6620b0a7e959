import type { SelectHints } from '../../storage-api/index.js';
import type { EngineOptions } from '../engine.js';
import type { WireMatcher, WireResult, WireSelection } from './wire.js';

/** The payloads of the PromQL pool's messages (the framing is src/lib/worker-pool's). */

/** Pool → worker: evaluate `expr` (an instant query at `start`, or a range query). */
export interface PoolQuery {
  kind: 'instant' | 'range';
  expr: string;
  start: number;
  end: number;
  step: number;
  engine: EngineOptions;
  lookbackDelta?: number;
  timeoutMs?: number;
}

/** Worker → pool: a storage call over a querier of [mint, maxt]. */
export type StorageCall = { mint: number; maxt: number } & (
  | { op: 'select'; matchers: WireMatcher[]; hints: SelectHints; sorted: boolean }
  | { op: 'labelNames'; matchers: WireMatcher[]; limit?: number }
  | { op: 'labelValues'; name: string; matchers: WireMatcher[]; limit?: number }
);

/** Pool → worker: the answer to a storage call. */
export interface StorageReply {
  selection?: WireSelection;
  strings?: string[];
}

export type { WireResult };
