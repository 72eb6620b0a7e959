import type { Labels } from '../../model/index.js';

/** One sample of an instant vector at one step. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** The value of a metric expression: per step, a vector — or a scalar per step. */
export type StepValues = { type: 'vector'; steps: Sample[][] } | { type: 'scalar'; steps: number[] };

/** A query's log result: streams of [ns, line] entries. */
export interface StreamResult {
  labels: Labels;
  ts: bigint[];
  lines: string[];
}

export interface QueryStats {
  totalLinesProcessed: number;
  totalBytesProcessed: number;
  totalEntriesReturned: number;
  execTimeSec: number;
}

export type LogqlResult =
  | { resultType: 'streams'; streams: StreamResult[]; stats: QueryStats }
  | { resultType: 'matrix'; series: Array<{ labels: Labels; points: Array<[number, number]> }>; stats: QueryStats }
  | { resultType: 'vector'; samples: Array<{ labels: Labels; t: number; value: number }>; stats: QueryStats }
  | { resultType: 'scalar'; t: number; value: number; stats: QueryStats };
