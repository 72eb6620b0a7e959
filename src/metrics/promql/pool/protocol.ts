import type { SelectHints } from '../../storage-api/index.js';
import type { EngineOptions } from '../engine.js';
import type { WireError, WireMatcher, WireResult, WireSelection } from './wire.js';

/** Messages between the query pool (main thread) and a query worker. Ids are the pool's query ids. */

/** Pool → worker: evaluate `expr` (an instant query at `start`, or a range query). */
export interface RunMessage {
  type: 'run';
  id: number;
  kind: 'instant' | 'range';
  expr: string;
  start: number;
  end: number;
  step: number;
  engine: EngineOptions;
  lookbackDelta?: number;
  timeoutMs?: number;
}

/** Pool → worker: stop query `id` (its timeout passed, or its client went away). */
export interface CancelMessage {
  type: 'cancel';
  id: number;
  reason: 'timeout' | 'canceled';
}

/** Pool → worker: the answer to a storage call. */
export interface StorageReply {
  type: 'storage';
  id: number;
  call: number;
  selection?: WireSelection;
  strings?: string[];
  error?: WireError;
}

export type ToWorker = RunMessage | CancelMessage | StorageReply;

/** Worker → pool: a storage call of query `id` over a querier of [mint, maxt]. */
export type StorageCall = { type: 'storage'; id: number; call: number; mint: number; maxt: number } & (
  | { op: 'select'; matchers: WireMatcher[]; hints: SelectHints; sorted: boolean }
  | { op: 'labelNames'; matchers: WireMatcher[]; limit?: number }
  | { op: 'labelValues'; name: string; matchers: WireMatcher[]; limit?: number }
);

/** Worker → pool: query `id` finished. */
export interface DoneMessage {
  type: 'done';
  id: number;
  result?: WireResult;
  error?: WireError;
}

export type FromWorker = StorageCall | DoneMessage;
