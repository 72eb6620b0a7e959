const SLAB = 1 << 16;

/**
 * Decoded samples of many series share large backing buffers: a query touching 100k series would otherwise allocate
 * 200k small ArrayBuffers. A slab lives as long as any batch cut from it; one a query no longer holds is garbage.
 */
export class SampleSlab {
  t = new Float64Array(SLAB);
  v = new Float64Array(SLAB);
  private used = 0;

  /** Reserve `n` slots; returns their start in `t`/`v` (which may be new arrays after the call). */
  reserve(n: number): number {
    if (n > SLAB >> 2) {
      // Too big to share: a private pair, used from 0 and then abandoned.
      this.t = new Float64Array(n);
      this.v = new Float64Array(n);
      this.used = SLAB;
      return 0;
    }
    if (this.used + n > this.t.length) {
      this.t = new Float64Array(SLAB);
      this.v = new Float64Array(SLAB);
      this.used = 0;
    }
    const a = this.used;
    this.used += n;
    return a;
  }
}
