/**
 * The comment lines (`# HELP`, `# TYPE`, `# UNIT`, plain comments) of a target's previous exposition, by their
 * position among its comment lines: their bytes and the entry kind each was parsed to. An exporter writes the same
 * metadata lines every scrape, so `ExpositionParser` compares a comment line's bytes with the one at the same
 * position last time and, when equal, returns the remembered kind without decoding the line (`repeated`): the
 * caller, which saw that line's family and text last time, applies what it recorded then. A line is remembered only
 * when it parsed without an error; what a line parses to depends only on its bytes and the format, so a format
 * change forgets every line.
 */
export class CommentMemo {
  private off = new Int32Array(16);
  private len = new Int32Array(16);
  private kinds = new Uint8Array(16);
  private bytes = new Uint8Array(1024);
  private used = 0;
  /** Bytes of `bytes` still referenced by a line (the rest was overwritten by longer lines). */
  private live = 0;
  /** How many positions hold a line. */
  private count = 0;
  private openMetrics: boolean | undefined;

  /** Forget every line unless they were parsed in the format `openMetrics`. */
  useFormat(openMetrics: boolean): void {
    if (this.openMetrics === openMetrics) return;
    this.openMetrics = openMetrics;
    this.count = 0;
    this.used = 0;
    this.live = 0;
  }

  /** The kind remembered for the comment line at position `k` if its bytes were `b[start, end)`, else -1. */
  match(k: number, b: Uint8Array, start: number, end: number): number {
    if (k >= this.count) return -1;
    const n = end - start;
    if (this.len[k] !== n) return -1;
    const a = this.bytes;
    const off = this.off[k];
    for (let i = 0; i < n; i++) if (a[off + i] !== b[start + i]) return -1;
    return this.kinds[k];
  }

  /** Remember `b[start, end)` as the comment line at position `k` (at most one past the last), parsed to `kind`. */
  store(k: number, b: Uint8Array, start: number, end: number, kind: number): void {
    const n = end - start;
    if (k >= this.off.length) this.grow();
    if (k < this.count) {
      this.live -= this.len[k];
      // Shorter or as long: in place (the old line's tail is dead until the next compaction).
      if (this.len[k] < n) this.len[k] = 0;
    }
    if (k >= this.count || this.len[k] < n) {
      if (this.used + n > this.bytes.length) this.makeRoom(n);
      this.off[k] = this.used;
      this.used += n;
    }
    this.bytes.set(b.subarray(start, end), this.off[k]);
    this.len[k] = n;
    this.kinds[k] = kind;
    this.live += n;
    if (k >= this.count) this.count = k + 1;
  }

  private grow(): void {
    const n = this.off.length * 2;
    const off = new Int32Array(n);
    off.set(this.off);
    this.off = off;
    const len = new Int32Array(n);
    len.set(this.len);
    this.len = len;
    const kinds = new Uint8Array(n);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }

  /** Room for `n` more bytes: the live lines copied into a new array (compacted), grown when they need it. */
  private makeRoom(n: number): void {
    const size = Math.max(this.bytes.length, Math.ceil((this.live + n) * 1.5));
    const next = new Uint8Array(size);
    let at = 0;
    for (let k = 0; k < this.count; k++) {
      const len = this.len[k];
      next.set(this.bytes.subarray(this.off[k], this.off[k] + len), at);
      this.off[k] = at;
      at += len;
    }
    this.bytes = next;
    this.used = at;
    this.live = at;
  }
}
