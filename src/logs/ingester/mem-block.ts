/**
 * The open (or sealed, awaiting flush) block of one stream in the in-memory head: columns of timestamps, lines and
 * optional structured metadata. A line is a byte range of a buffer the block references, not a copy: the buffer its
 * WAL record took it from (the push's decompressed body, or a compacted copy; at replay, the WAL segment) — so a head
 * of millions of lines is neither millions of strings for the garbage collector nor a growing buffer per stream (each
 * one external memory that V8 answers with full collections); the buffers are released with the blocks at the flush.
 * Lines become strings only when read.
 * Entries arrive mostly in order; out-of-order ones (within the window) are kept and the block is sorted when it is
 * read or sealed.
 */
/** Entries a new block has room for (it grows fourfold). */
const INITIAL = 32;
const ONE = new BigInt64Array(1);

export class MemBlock {
  ts: BigInt64Array = new BigInt64Array(INITIAL);
  /** The buffers lines are in. */
  private bufs: Buffer[] = [];
  /** Line i is bufs[at[3i]][at[3i+1], at[3i+2]) (one array, not three: each typed array is an allocation of its own). */
  private at = new Uint32Array(3 * INITIAL);
  metadata: (Array<[string, string]> | undefined)[] | undefined;
  n = 0;
  /** Line bytes held. */
  bytes = 0;
  minT = 0n;
  /** The entry with the newest time (an index, not the bigint: storing one per entry would allocate it). */
  private maxI = 0;
  /** Where the head cuts this block (its first entry ± the maximum chunk age, its index period), set by the head. */
  bounds: { ageLo: bigint; ageHi: bigint; period: number; periodLo: bigint; periodHi: bigint } | undefined;
  private sorted = true;

  /** The newest time held (0n when empty). */
  get maxT(): bigint {
    return this.n === 0 ? 0n : this.ts[this.maxI];
  }

  /** Append the line `src[start, end)` written at `ts` (kept by reference: `src` must not change afterwards). */
  append(ts: bigint, src: Buffer, start: number, end: number, meta: Array<[string, string]> | undefined): void {
    ONE[0] = ts;
    this.appendAt(ONE, 0, src, start, end, meta);
  }

  /**
   * As `append`, for entry `k` of the time column `times`: the time is copied from column to column, so optimized
   * code makes no bigint object for it (the head's path).
   */
  appendAt(times: BigInt64Array, k: number, src: Buffer, start: number, end: number, meta: Array<[string, string]> | undefined): void {
    if (this.n === this.ts.length) this.grow(this.n * 4);
    const i = this.n;
    this.ts[i] = times[k];
    if (i === 0) {
      this.minT = times[k];
      this.maxI = 0;
    } else {
      if (times[k] < this.ts[this.maxI]) this.sorted = false;
      else this.maxI = i;
      if (times[k] < this.minT) {
        this.minT = times[k];
        this.bounds = undefined;
      }
    }
    let b = this.bufs.length - 1;
    if (b < 0 || this.bufs[b] !== src) b = this.bufs.push(src) - 1;
    this.at[3 * i] = b;
    this.at[3 * i + 1] = start;
    this.at[3 * i + 2] = end;
    this.bytes += end - start;
    if (meta !== undefined) {
      this.metadata ??= new Array(this.n).fill(undefined);
      this.metadata.push(meta);
    } else if (this.metadata) this.metadata.push(undefined);
    this.n++;
  }

  private grow(size: number): void {
    const ts = new BigInt64Array(size);
    ts.set(this.ts.subarray(0, this.n));
    this.ts = ts;
    const at = new Uint32Array(3 * size);
    at.set(this.at.subarray(0, 3 * this.n));
    this.at = at;
  }

  /** Line i as a string. */
  line(i: number): string {
    return this.bufs[this.at[3 * i]].toString('utf8', this.at[3 * i + 1], this.at[3 * i + 2]);
  }

  /** Lines [lo, hi) as strings. */
  lines(lo = 0, hi = this.n): string[] {
    const out = new Array<string>(hi - lo);
    for (let i = lo; i < hi; i++) out[i - lo] = this.line(i);
    return out;
  }

  /** Every line's bytes, as views of the buffers they are in (no copy, no string). */
  lineBytes(): Buffer[] {
    const out = new Array<Buffer>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.bufs[this.at[3 * i]].subarray(this.at[3 * i + 1], this.at[3 * i + 2]);
    return out;
  }

  /** Sort by timestamp (stable) if out-of-order entries arrived. */
  sort(): void {
    if (this.sorted) return;
    const idx = Array.from({ length: this.n }, (_, i) => i);
    const ts = this.ts;
    idx.sort((a, b) => (ts[a] < ts[b] ? -1 : ts[a] > ts[b] ? 1 : a - b));
    const size = Math.max(this.n, INITIAL);
    const nts = new BigInt64Array(size);
    const at = new Uint32Array(3 * size);
    const nm = this.metadata ? new Array<Array<[string, string]> | undefined>(this.n) : undefined;
    for (let i = 0; i < this.n; i++) {
      const j = idx[i];
      nts[i] = ts[j];
      at[3 * i] = this.at[3 * j];
      at[3 * i + 1] = this.at[3 * j + 1];
      at[3 * i + 2] = this.at[3 * j + 2];
      if (nm) nm[i] = this.metadata![j];
    }
    this.ts = nts;
    this.at = at;
    this.metadata = nm;
    this.maxI = this.n - 1;
    this.sorted = true;
  }
}
