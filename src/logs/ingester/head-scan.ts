import type { Labels } from '../../model/index.js';
import type { EntryBatch, LineFilterPushdown } from '../model/index.js';
import type { MemBlock } from './mem-block.js';

function lowerBound(ts: ArrayLike<bigint>, n: number, t: bigint): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The entries of a head block in [start, end) that the pushed-down filter accepts (the block is sorted first). */
export function scanBlock(labels: Labels, b: MemBlock, start: bigint, end: bigint, filter: LineFilterPushdown | undefined): EntryBatch {
  b.sort();
  const lo = lowerBound(b.ts, b.n, start);
  const hi = lowerBound(b.ts, b.n, end);
  const ts: bigint[] = [];
  const lines: string[] = [];
  const meta = b.metadata ? ([] as (Array<[string, string]> | undefined)[]) : undefined;
  for (let i = lo; i < hi; i++) {
    const line = b.line(i);
    if (filter && !filter.test(line)) continue;
    ts.push(b.ts[i]);
    lines.push(line);
    if (meta) meta.push(b.metadata![i]);
  }
  return { labels, ts, lines, metadata: meta };
}

/** A head block's entries in [start, end), sorted: timestamps copied, lines decoded, metadata shared. */
export interface BlockSlice {
  ts: BigInt64Array;
  lines: string[];
  metadata?: (Array<[string, string]> | undefined)[];
}

/**
 * The entries of a head block in [start, end) (the block is sorted first) that contain every `required` literal: for
 * a query worker to scan. Only the literal check runs here (cheap, linear); the rest of the filter runs in the worker.
 */
export function sliceBlock(b: MemBlock, start: bigint, end: bigint, required: readonly string[] = []): BlockSlice {
  b.sort();
  const lo = lowerBound(b.ts, b.n, start);
  const hi = lowerBound(b.ts, b.n, end);
  if (required.length === 0) return { ts: b.ts.slice(lo, hi), lines: b.lines(lo, hi), metadata: b.metadata?.slice(lo, hi) };
  const ts: bigint[] = [];
  const lines: string[] = [];
  const meta = b.metadata ? ([] as (Array<[string, string]> | undefined)[]) : undefined;
  for (let i = lo; i < hi; i++) {
    const line = b.line(i);
    if (!required.every((r) => line.includes(r))) continue;
    ts.push(b.ts[i]);
    lines.push(line);
    if (meta) meta.push(b.metadata![i]);
  }
  return { ts: BigInt64Array.from(ts), lines, metadata: meta };
}
