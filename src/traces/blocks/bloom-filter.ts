/**
 * A bloom filter over 16-byte trace IDs. Trace IDs are random, so their own bits are good hash input: two 32-bit
 * words of the ID (mixed) give h1, h2 and the k probes are h1 + i*h2 (Kirsch–Mitzenmacher).
 */
export class BloomFilter {
  private constructor(
    readonly bits: Uint8Array,
    readonly k: number,
  ) {}

  /** Sized for `n` items at false-positive rate `fp` (default 1%). */
  static forItems(n: number, fp = 0.01): BloomFilter {
    const m = Math.max(64, Math.ceil((-Math.max(n, 1) * Math.log(fp)) / (Math.LN2 * Math.LN2)));
    const k = Math.max(1, Math.round((m / Math.max(n, 1)) * Math.LN2));
    return new BloomFilter(new Uint8Array(Math.ceil(m / 8)), k);
  }

  static decode(buf: Uint8Array): BloomFilter {
    return new BloomFilter(buf.subarray(1), buf[0]);
  }

  encode(): Buffer {
    const out = Buffer.allocUnsafe(this.bits.length + 1);
    out[0] = this.k;
    out.set(this.bits, 1);
    return out;
  }

  private probes(id: Uint8Array, off: number, fn: (bit: number) => boolean): boolean {
    const m = this.bits.length * 8;
    let h1 = mix((id[off] | (id[off + 1] << 8) | (id[off + 2] << 16) | (id[off + 3] << 24)) ^ (id[off + 8] | (id[off + 9] << 8) | (id[off + 10] << 16) | (id[off + 11] << 24)));
    const h2 = mix((id[off + 4] | (id[off + 5] << 8) | (id[off + 6] << 16) | (id[off + 7] << 24)) ^ (id[off + 12] | (id[off + 13] << 8) | (id[off + 14] << 16) | (id[off + 15] << 24))) | 1;
    for (let i = 0; i < this.k; i++) {
      if (!fn((h1 >>> 0) % m)) return false;
      h1 = (h1 + h2) | 0;
    }
    return true;
  }

  add(id: Uint8Array, off = 0): void {
    this.probes(id, off, (b) => {
      this.bits[b >>> 3] |= 1 << (b & 7);
      return true;
    });
  }

  mayContain(id: Uint8Array, off = 0): boolean {
    return this.probes(id, off, (b) => (this.bits[b >>> 3] & (1 << (b & 7))) !== 0);
  }
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}
