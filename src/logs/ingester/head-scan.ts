import type { Labels } from '../../model/index.js';
import type { EntryBatch, LineFilterPushdown } from '../model/index.js';
import type { DecodedChunk } from '../storage/index.js';
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
    const line = b.lines[i];
    if (filter && !filter.test(line)) continue;
    ts.push(b.ts[i]);
    lines.push(line);
    if (meta) meta.push(b.metadata![i]);
  }
  return { labels, ts, lines, metadata: meta };
}

/**
 * A head block's entries in [start, end) as a decoded chunk (sorted; lines as UTF-8 bytes back to back): the form
 * chunks are scanned in, so that a query worker scans both alike. The buffers are fresh (transferable).
 */
export function blockAsChunk(b: MemBlock, start: bigint, end: bigint): DecodedChunk {
  b.sort();
  const lo = lowerBound(b.ts, b.n, start);
  const hi = lowerBound(b.ts, b.n, end);
  const n = hi - lo;
  const base = n > 0 ? b.ts[lo] : 0n;
  const off = new Float64Array(n);
  for (let i = 0; i < n; i++) off[i] = Number(b.ts[lo + i] - base);
  const lines = b.lines.slice(lo, hi);
  const joined = lines.join('');
  const data = Buffer.from(joined, 'utf8');
  const offsets = new Uint32Array(n + 1);
  // ASCII text (the usual case) has as many bytes as UTF-16 units: the offsets are the lines' lengths.
  const ascii = data.length === joined.length;
  for (let i = 0, k = 0; i < n; i++) {
    k += ascii ? lines[i].length : Buffer.byteLength(lines[i], 'utf8');
    offsets[i + 1] = k;
  }
  return { n, base, off, offsets, data, metadata: b.metadata?.slice(lo, hi) };
}
