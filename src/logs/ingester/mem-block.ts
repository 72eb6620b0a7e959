/**
 * The open (or sealed, awaiting flush) block of one stream in the in-memory head: columns of timestamps, lines and
 * optional structured metadata. Entries arrive mostly in order; out-of-order ones (within the window) are kept and
 * the block is sorted when it is read or sealed.
 */
export class MemBlock {
  ts: BigInt64Array = new BigInt64Array(64);
  lines: string[] = [];
  metadata: (Array<[string, string]> | undefined)[] | undefined;
  n = 0;
  bytes = 0;
  minT = 0n;
  maxT = 0n;
  private sorted = true;

  append(ts: bigint, line: string, meta: Array<[string, string]> | undefined): void {
    if (this.n === this.ts.length) {
      const next = new BigInt64Array(this.ts.length * 2);
      next.set(this.ts);
      this.ts = next;
    }
    if (this.n === 0) {
      this.minT = ts;
      this.maxT = ts;
    } else {
      if (ts < this.maxT) this.sorted = false;
      if (ts < this.minT) this.minT = ts;
      if (ts > this.maxT) this.maxT = ts;
    }
    this.ts[this.n] = ts;
    this.lines.push(line);
    if (meta !== undefined) {
      this.metadata ??= new Array(this.n).fill(undefined);
      this.metadata.push(meta);
    } else if (this.metadata) this.metadata.push(undefined);
    this.n++;
    this.bytes += line.length;
  }

  /** Sort by timestamp (stable) if out-of-order entries arrived. */
  sort(): void {
    if (this.sorted) return;
    const idx = Array.from({ length: this.n }, (_, i) => i);
    const ts = this.ts;
    idx.sort((a, b) => (ts[a] < ts[b] ? -1 : ts[a] > ts[b] ? 1 : a - b));
    const nts = new BigInt64Array(Math.max(this.n, 64));
    const nl: string[] = new Array(this.n);
    const nm = this.metadata ? new Array<Array<[string, string]> | undefined>(this.n) : undefined;
    for (let i = 0; i < this.n; i++) {
      nts[i] = ts[idx[i]];
      nl[i] = this.lines[idx[i]];
      if (nm) nm[i] = this.metadata![idx[i]];
    }
    this.ts = nts;
    this.lines = nl;
    this.metadata = nm;
    this.sorted = true;
  }
}
