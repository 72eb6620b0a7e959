/**
 * The open (or sealed, awaiting flush) block of one stream in the in-memory head: columns of timestamps, line bytes
 * and optional structured metadata. Lines are kept as UTF-8 bytes in one growing buffer (outside the JavaScript
 * heap: a head of millions of lines is no work for the garbage collector) and become strings only when read.
 * Entries arrive mostly in order; out-of-order ones (within the window) are kept and the block is sorted when it is
 * read or sealed.
 */
export class MemBlock {
  ts: BigInt64Array = new BigInt64Array(16);
  /** Line i is data[ends[i-1] (0 for the first), ends[i]). */
  data: Buffer = EMPTY;
  ends: Uint32Array = new Uint32Array(16);
  metadata: (Array<[string, string]> | undefined)[] | undefined;
  n = 0;
  /** Line bytes held. */
  bytes = 0;
  minT = 0n;
  maxT = 0n;
  /** Where the head cuts this block (its first entry ± the maximum chunk age, its index period), set by the head. */
  bounds: { ageLo: bigint; ageHi: bigint; period: number; periodLo: bigint; periodHi: bigint } | undefined;
  private sorted = true;

  /** Append the line `src[start, end)`. */
  append(ts: bigint, src: Uint8Array, start: number, end: number, meta: Array<[string, string]> | undefined): void {
    if (this.n === this.ts.length) {
      const next = new BigInt64Array(this.ts.length * 2);
      next.set(this.ts);
      this.ts = next;
      const ends = new Uint32Array(this.ends.length * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    const len = end - start;
    if (this.bytes + len > this.data.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.data.length * 2, this.bytes + len, 4096));
      this.data.copy(next, 0, 0, this.bytes);
      this.data = next;
    }
    if (this.n === 0) {
      this.minT = ts;
      this.maxT = ts;
    } else {
      if (ts < this.maxT) this.sorted = false;
      if (ts < this.minT) {
        this.minT = ts;
        this.bounds = undefined;
      }
      if (ts > this.maxT) this.maxT = ts;
    }
    this.ts[this.n] = ts;
    this.data.set(src.subarray(start, end), this.bytes);
    this.bytes += len;
    this.ends[this.n] = this.bytes;
    if (meta !== undefined) {
      this.metadata ??= new Array(this.n).fill(undefined);
      this.metadata.push(meta);
    } else if (this.metadata) this.metadata.push(undefined);
    this.n++;
  }

  /** Line i as a string. */
  line(i: number): string {
    return this.data.toString('utf8', i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }

  /** Lines [lo, hi) as strings. */
  lines(lo = 0, hi = this.n): string[] {
    const out = new Array<string>(hi - lo);
    for (let i = lo; i < hi; i++) out[i - lo] = this.line(i);
    return out;
  }

  /** Sort by timestamp (stable) if out-of-order entries arrived. */
  sort(): void {
    if (this.sorted) return;
    const idx = Array.from({ length: this.n }, (_, i) => i);
    const ts = this.ts;
    idx.sort((a, b) => (ts[a] < ts[b] ? -1 : ts[a] > ts[b] ? 1 : a - b));
    const nts = new BigInt64Array(Math.max(this.n, 16));
    const data = Buffer.allocUnsafeSlow(Math.max(this.bytes, 1));
    const ends = new Uint32Array(Math.max(this.n, 16));
    const nm = this.metadata ? new Array<Array<[string, string]> | undefined>(this.n) : undefined;
    let p = 0;
    for (let i = 0; i < this.n; i++) {
      const j = idx[i];
      nts[i] = ts[j];
      p += this.data.copy(data, p, j === 0 ? 0 : this.ends[j - 1], this.ends[j]);
      ends[i] = p;
      if (nm) nm[i] = this.metadata![j];
    }
    this.ts = nts;
    this.data = data;
    this.ends = ends;
    this.metadata = nm;
    this.sorted = true;
  }
}

const EMPTY = Buffer.alloc(0);
