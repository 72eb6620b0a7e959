import type { Labels } from '../../model/index.js';
import type { EntryBatch, LineFilterPushdown } from '../model/index.js';
import { chunkTs, type DecodedChunk } from './chunk-codec.js';

/** First index with base + off[i] >= base + rel. */
function lowerBoundOff(off: Float64Array, n: number, rel: bigint): number {
  if (rel <= 0n) return 0;
  if (rel > 2n ** 53n) return n;
  const r = Number(rel);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (off[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The entries of a decoded chunk in [start, end) that the pushed-down filter accepts. With required literals the
 * contiguous line bytes are searched first and only lines containing the literal are decoded. With `raw` and no
 * filter nothing is decoded: the batch points at the chunk's line bytes and carries the times in milliseconds.
 */
export function scanChunk(labels: Labels, d: DecodedChunk, start: bigint, end: bigint, filter: LineFilterPushdown | undefined, raw = false): EntryBatch {
  const lo = lowerBoundOff(d.off, d.n, start - d.base);
  const hi = lowerBoundOff(d.off, d.n, end - d.base);
  if (raw && !filter && !d.metadata) return rawBatch(labels, d, lo, hi);
  const ts: bigint[] = [];
  const lines: string[] = [];
  const meta = d.metadata ? ([] as (Array<[string, string]> | undefined)[]) : undefined;
  const { offsets, data } = d;
  // Milliseconds without a bigint per entry: whole ms of the base plus (its ns remainder + offset) / 1e6.
  const baseMs = Number(d.base / 1_000_000n);
  const baseRem = Number(d.base % 1_000_000n);
  let tsMs = new Float64Array(filter ? 16 : hi - lo);
  const take = (i: number, line: string) => {
    if (ts.length === tsMs.length) {
      const next = new Float64Array(tsMs.length * 2);
      next.set(tsMs);
      tsMs = next;
    }
    tsMs[ts.length] = baseMs + (baseRem + d.off[i]) / 1e6;
    ts.push(chunkTs(d, i));
    lines.push(line);
    if (meta) meta.push(d.metadata![i]);
  };
  if (filter && filter.required.length > 0) {
    // Search the contiguous line bytes for the rarest-looking literal; decode only lines that contain it.
    const needle = Buffer.from(filter.required.reduce((a, b) => (b.length > a.length ? b : a)), 'utf8');
    const endOff = offsets[hi];
    let pos = offsets[lo];
    while (pos < endOff) {
      const at = data.indexOf(needle, pos);
      if (at < 0 || at >= endOff) break;
      // line containing `at`: the last i with offsets[i] <= at
      let a = lo;
      let z = hi;
      while (a < z) {
        const mid = (a + z) >>> 1;
        if (offsets[mid + 1] <= at) a = mid + 1;
        else z = mid;
      }
      const i = a;
      if (at + needle.length <= offsets[i + 1]) {
        const line = data.toString('utf8', offsets[i], offsets[i + 1]);
        if (filter.test(line)) take(i, line);
        pos = offsets[i + 1];
      } else pos = at + 1; // the match straddles a line boundary: keep looking
    }
  } else {
    for (let i = lo; i < hi; i++) {
      const line = data.toString('utf8', offsets[i], offsets[i + 1]);
      if (filter && !filter.test(line)) continue;
      take(i, line);
    }
  }
  return { labels, ts, lines, tsMs: tsMs.subarray(0, ts.length), metadata: meta };
}

/** Milliseconds (fractional) of entries [lo, hi) without a bigint per entry: whole ms of the base plus (its ns remainder + offset) / 1e6. */
function rawBatch(labels: Labels, d: DecodedChunk, lo: number, hi: number): EntryBatch {
  const baseMs = Number(d.base / 1_000_000n);
  const baseRem = Number(d.base % 1_000_000n);
  const tsMs = new Float64Array(hi - lo);
  for (let i = lo; i < hi; i++) tsMs[i - lo] = baseMs + (baseRem + d.off[i]) / 1e6;
  return { labels, ts: [], lines: [], tsMs, raw: { data: d.data, offsets: d.offsets, lo, hi } };
}
