import { sameBits, type ChunkRef, type MemSeries } from './head.js';
import { SAMPLES_PER_CHUNK, XorChunkAppender, decodeXorChunk } from './xor-chunk.js';

/** Samples in the open out-of-order chunk before it is encoded (Prometheus's `out_of_order_cap_max` default, 32). */
export const OOO_CAP_MAX = 32;

/**
 * A series' out-of-order samples, kept as Prometheus's head keeps them: one open chunk of up to 32 samples sorted
 * by time (inserted in place), then encoded as an XOR chunk and kept in memory (Prometheus mmaps it; not needed
 * here). Closed chunks may overlap each other and the series' in-order chunks; queries and compaction merge them
 * (an out-of-order sample wins a timestamp tie with an in-order one, as in Prometheus 2.42's answers).
 */
export class OooSeriesChunks {
  private t = new Float64Array(OOO_CAP_MAX);
  private v = new Float64Array(OOO_CAP_MAX);
  private n = 0;
  closed: ChunkRef[] = [];
  minT = Infinity;
  maxT = -Infinity;

  get empty(): boolean {
    return this.n === 0 && this.closed.length === 0;
  }

  get numChunks(): number {
    return this.closed.length + (this.n > 0 ? 1 : 0);
  }

  /**
   * Insert a sample in time order. False when the open chunk has a sample at `t` already (Prometheus's
   * `OOOChunk.Insert`: such a sample is dropped, whatever its value; closed chunks are not checked).
   */
  insert(t: number, v: number): boolean {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.n && this.t[lo] === t) return false;
    this.t.copyWithin(lo + 1, lo, this.n);
    this.v.copyWithin(lo + 1, lo, this.n);
    this.t[lo] = t;
    this.v[lo] = v;
    this.n++;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    if (this.n === OOO_CAP_MAX) this.cut();
    return true;
  }

  /** Encode the open chunk and close it. */
  cut(): void {
    if (this.n === 0) return;
    const app = new XorChunkAppender();
    for (let i = 0; i < this.n; i++) app.append(this.t[i], this.v[i]);
    this.closed.push({ data: app.bytes(), minT: app.minT, maxT: app.maxT, n: this.n, ooo: true });
    this.n = 0;
  }

  /** Chunks overlapping [mint, maxt] appended to `out` (the open one as an encoded snapshot), marked `ooo`. */
  chunksIn(mint: number, maxt: number, out: ChunkRef[]): void {
    for (const c of this.closed) if (c.maxT >= mint && c.minT <= maxt) out.push(c);
    if (this.n > 0 && this.t[this.n - 1] >= mint && this.t[0] <= maxt) {
      const app = new XorChunkAppender();
      for (let i = 0; i < this.n; i++) app.append(this.t[i], this.v[i]);
      out.push({ data: app.bytes(), minT: app.minT, maxT: app.maxT, n: this.n, ooo: true });
    }
  }

  /** Forget the first `count` closed chunks (compacted into blocks); recompute the time range. */
  dropClosed(count: number): void {
    this.closed = this.closed.slice(count);
    let lo = this.n > 0 ? this.t[0] : Infinity;
    let hi = this.n > 0 ? this.t[this.n - 1] : -Infinity;
    for (const c of this.closed) {
      if (c.minT < lo) lo = c.minT;
      if (c.maxT > hi) hi = c.maxT;
    }
    this.minT = lo;
    this.maxT = hi;
  }
}

/** How a sample fits a series with an out-of-order window (Prometheus's `memSeries.appendable`). */
export const OOO_IN_ORDER = 0;
export const OOO_INSERT = 1;
export const OOO_TOO_OLD = 2;
export const OOO_DUPLICATE_CONFLICT = 3;
export const OOO_DUPLICATE_SAME = 4;
export type OooVerdict = 0 | 1 | 2 | 3 | 4;

/**
 * What an appender fixes when it is created (Prometheus's `headAppender`): the head's newest time, the oldest
 * in-order time allowed, and the window.
 */
export interface OooAppendContext {
  windowMs: number;
  headMaxT: number;
  minValidTime: number;
}

/**
 * Prometheus 2.42's `memSeries.appendable` with `oooTimeWindow > 0`, against the series' committed samples:
 * in-order when at or after `minValidTime` and newer than the series' newest sample; the same timestamp is a
 * duplicate; otherwise out-of-order when not older than `headMaxT − window`, else too old.
 */
export function oooAppendable(ctx: OooAppendContext, s: MemSeries, t: number, v: number): OooVerdict {
  if (t >= ctx.minValidTime) {
    if (s.maxT === -Infinity || t > s.maxT) return OOO_IN_ORDER;
    if (t === s.maxT) return sameBits(v, s.lastV) ? OOO_DUPLICATE_SAME : OOO_DUPLICATE_CONFLICT;
  }
  return t >= ctx.headMaxT - ctx.windowMs ? OOO_INSERT : OOO_TOO_OLD;
}

/** All samples of `chunks` merged by time, one per timestamp (the earliest chunk in the list wins a tie). */
export function mergedSamples(chunks: readonly { data: Uint8Array }[]): { t: Float64Array; v: Float64Array; n: number } {
  let total = 0;
  const counts = chunks.map((c) => {
    const k = (c.data[0] << 8) | c.data[1];
    total += k;
    return k;
  });
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let off = 0;
  for (let i = 0; i < chunks.length; i++) off += decodeXorChunk(chunks[i].data, t, v, off, counts[i]);
  const order = new Uint32Array(off);
  for (let i = 0; i < off; i++) order[i] = i;
  order.sort((a, b) => t[a] - t[b] || a - b);
  const t2 = new Float64Array(off);
  const v2 = new Float64Array(off);
  let n = 0;
  for (let k = 0; k < off; k++) {
    const i = order[k];
    if (n > 0 && t2[n - 1] === t[i]) continue;
    t2[n] = t[i];
    v2[n] = v[i];
    n++;
  }
  return { t: t2, v: v2, n };
}

/** Samples [from, to) (sorted, unique times) as XOR chunks of up to 120 samples. */
export function encodeChunks(t: Float64Array, v: Float64Array, from: number, to: number): { minT: number; maxT: number; data: Uint8Array }[] {
  const out: { minT: number; maxT: number; data: Uint8Array }[] = [];
  for (let i = from; i < to; i += SAMPLES_PER_CHUNK) {
    const app = new XorChunkAppender();
    for (let j = i; j < Math.min(to, i + SAMPLES_PER_CHUNK); j++) app.append(t[j], v[j]);
    out.push({ minT: app.minT, maxT: app.maxT, data: app.seal() });
  }
  return out;
}

/**
 * Overlapping chunks rewritten as sorted, non-overlapping ones with one sample per timestamp (the earliest chunk in
 * the list wins a tie): what compaction writes (Prometheus's compacting chunk series merger), so that a block's
 * chunks never overlap.
 */
export function mergeOverlappingChunks(chunks: readonly { data: Uint8Array }[]): { minT: number; maxT: number; data: Uint8Array }[] {
  const m = mergedSamples(chunks);
  return encodeChunks(m.t, m.v, 0, m.n);
}

/** True when some chunk of a list sorted by minT starts before the previous one ends. */
export function chunksOverlap(chunks: readonly { minT: number; maxT: number }[]): boolean {
  let maxT = -Infinity;
  for (const c of chunks) {
    if (c.minT <= maxT) return true;
    if (c.maxT > maxT) maxT = c.maxT;
  }
  return false;
}

/**
 * The chunks of one series gathered from the blocks being merged (in block order: the first block wins a timestamp
 * tie) as the merged block holds them: sorted by time, and re-encoded in order when they overlap.
 */
export function chunksForMergedBlock<C extends { minT: number; maxT: number; data: Uint8Array }>(inBlockOrder: C[]): (C | { minT: number; maxT: number; data: Uint8Array })[] {
  const sorted = inBlockOrder.slice().sort((a, b) => a.minT - b.minT);
  return chunksOverlap(sorted) ? mergeOverlappingChunks(inBlockOrder) : sorted;
}
