/**
 * Bit streams for the chunk encodings (Prometheus's `chunkenc.bstream` / `bstreamReader`; the XOR chunk's appender is a BitWriter): bits most
 * significant first, plus the three variable-width codes the histogram chunks use — `varbit` integers
 * (`putVarbitInt` / `putVarbitUint`, tsdb/chunkenc/varbit.go) and the Gorilla XOR float (`xorWrite` / `xorRead`).
 * Integers are JavaScript numbers; values beyond ±2^53 lose precision (counts that large do not occur).
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

const TWO32 = 2 ** 32;

/** Varbit buckets: after k '1' bits and a '0' (or 8 '1' bits), this many value bits follow. */
const VARBIT_SIZES = [0, 3, 6, 9, 12, 18, 25, 56, 64];

/** A growable bit stream. */
export class BitWriter {
  buf: Uint8Array;
  bitPos: number;

  /** `headerBytes` zero bytes are reserved at the start (the chunk's sample count and header byte). */
  constructor(headerBytes: number, initialBytes = 64) {
    // Pooled, uninitialised memory (a zeroed typed array per chunk costs ~15 % of head append): the header is zeroed
    // here, and writeBits assigns each byte it starts.
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, headerBytes + 16)).fill(0, 0, headerBytes);
    this.bitPos = headerBytes * 8;
  }

  get byteLength(): number {
    return (this.bitPos + 7) >>> 3;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.byteLength);
  }

  /** An exact-size copy (the buffer is a Buffer: `slice` would be a view). */
  seal(): Uint8Array {
    const out = Buffer.allocUnsafe(this.byteLength);
    out.set(this.buf.subarray(0, this.byteLength));
    return out;
  }

  /**
   * Make room for `bytes` more bytes (a new buffer: views handed out stay valid). An appender that knows its worst
   * case per item reserves once per item, so writeBits's own check never fires on its hot path.
   */
  reserve(bytes: number): void {
    if ((this.bitPos >>> 3) + bytes < this.buf.length) return;
    this.growTo(Math.max(this.buf.length * 2, (this.bitPos >>> 3) + bytes + 16));
  }

  /** Move what was written into a new buffer of `capacity` bytes (views handed out stay valid). */
  protected growTo(capacity: number): void {
    const next = Buffer.allocUnsafe(capacity);
    next.set(this.buf.subarray(0, this.byteLength));
    this.buf = next;
  }

  /** Write the low `n` (0..32) bits of `value`. */
  writeBits(value: number, n: number): void {
    if (((this.bitPos + n) >>> 3) + 1 >= this.buf.length) this.reserve(8);
    const buf = this.buf;
    let pos = this.bitPos;
    while (n > 0) {
      const idx = pos >>> 3;
      const used = pos & 7;
      const free = 8 - used;
      const take = free < n ? free : n;
      const bits = (value >>> (n - take)) & ((1 << take) - 1);
      if (used === 0) buf[idx] = bits << (free - take);
      else buf[idx] |= bits << (free - take);
      n -= take;
      pos += take;
    }
    this.bitPos = pos;
  }

  /** The low `n` (0..64) bits of the two's complement of the integer `v`. */
  writeInt(v: number, n: number): void {
    if (n <= 32) {
      this.writeBits(v >= 0 ? v % TWO32 : (v % TWO32) + TWO32, n);
      return;
    }
    const hi = Math.floor(v / TWO32);
    const lo = v - hi * TWO32;
    this.writeBits(hi < 0 ? (hi % TWO32) + TWO32 : hi, n - 32);
    this.writeBits(lo, 32);
  }

  writeFloat(v: number): void {
    f64[0] = v;
    this.writeBits(u32[1], 32);
    this.writeBits(u32[0], 32);
  }

  /** Prometheus's `putVarbitInt`: '0' for 0, else k '1' bits + '0' and the value in VARBIT_SIZES[k] bits. */
  varbitInt(v: number): void {
    if (v === 0) return this.writeBits(0, 1);
    for (let k = 1; k < 8; k++) {
      const sz = VARBIT_SIZES[k];
      if (v >= -(2 ** (sz - 1) - 1) && v <= 2 ** (sz - 1)) {
        this.writeBits(((1 << k) - 1) << 1, k + 1);
        this.writeInt(v, sz);
        return;
      }
    }
    this.writeBits(0xff, 8);
    this.writeInt(v, 64);
  }

  /** Prometheus's `putVarbitUint`: the same buckets, unsigned ranges. */
  varbitUint(v: number): void {
    if (v === 0) return this.writeBits(0, 1);
    for (let k = 1; k < 8; k++) {
      const sz = VARBIT_SIZES[k];
      if (v < 2 ** sz) {
        this.writeBits(((1 << k) - 1) << 1, k + 1);
        this.writeInt(v, sz);
        return;
      }
    }
    this.writeBits(0xff, 8);
    this.writeInt(v, 64);
  }

  /** Prometheus's `xorWrite`: the float `v` against the previous one, with the leading/trailing window in `st`. */
  xorFloat(v: number, st: XorState): void {
    f64[0] = v;
    const hi = u32[1];
    const lo = u32[0];
    const xhi = (hi ^ st.hi) >>> 0;
    const xlo = (lo ^ st.lo) >>> 0;
    st.hi = hi;
    st.lo = lo;
    this.writeXor(xhi, xlo, st);
  }

  /**
   * The XOR (`xhi:xlo`) of a float's bits with the previous float's: '0' when equal, '10' + the meaningful bits when
   * they fit the previous window `w`, else '11' + 5 bits leading zeros + 6 bits length + the bits (a new window).
   */
  writeXor(xhi: number, xlo: number, w: XorWindow): void {
    if (xhi === 0 && xlo === 0) return this.writeBits(0, 1);
    let lead = xhi !== 0 ? Math.clz32(xhi) : 32 + Math.clz32(xlo);
    const trail = xlo !== 0 ? ctz32(xlo) : 32 + ctz32(xhi);
    if (lead >= 32) lead = 31;
    if (w.leading !== 0xff && lead >= w.leading && trail >= w.trailing) {
      this.writeBits(0b10, 2);
      this.writeShifted(xhi, xlo, w.trailing, 64 - w.leading - w.trailing);
      return;
    }
    w.leading = lead;
    w.trailing = trail;
    const sig = 64 - lead - trail;
    this.writeBits(0b11, 2);
    this.writeBits(lead, 5);
    this.writeBits(sig & 63, 6);
    this.writeShifted(xhi, xlo, trail, sig);
  }

  /** Write the low `nbits` of (hi:lo) >> shift. */
  private writeShifted(hi: number, lo: number, shift: number, nbits: number): void {
    let h: number;
    let l: number;
    if (shift === 0) {
      h = hi;
      l = lo;
    } else if (shift >= 32) {
      h = 0;
      l = hi >>> (shift - 32);
    } else {
      l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
      h = hi >>> shift;
    }
    if (nbits > 32) {
      this.writeBits(h, nbits - 32);
      this.writeBits(l, 32);
    } else {
      this.writeBits(l, nbits);
    }
  }
}

/** The XOR coder's state of one float stream: previous bits and the leading/trailing-zero window (0xff = none yet). */
/** The leading/trailing-zero window of an XOR float stream (0xff leading = none yet). */
export interface XorWindow {
  leading: number;
  trailing: number;
}

/** The XOR coder's state of one float stream: the previous float's bits and its window. */
export interface XorState extends XorWindow {
  hi: number;
  lo: number;
}

export function xorState(v: number, leading = 0xff): XorState {
  f64[0] = v;
  return { hi: u32[1], lo: u32[0], leading, trailing: 0 };
}

export function xorStateValue(st: XorState): number {
  u32[1] = st.hi;
  u32[0] = st.lo;
  return f64[0];
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class ChunkDecodeError extends Error {}

/** Reads a bit stream written by BitWriter. */
export class BitReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
  ) {}

  /** `n` (0..32) bits, unsigned. */
  readBits(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.buf.length * 8) throw new ChunkDecodeError('histogram chunk ends early');
    let v = 0;
    let left = n;
    let pos = this.pos;
    while (left > 0) {
      const idx = pos >>> 3;
      const used = pos & 7;
      const avail = 8 - used;
      const take = avail < left ? avail : left;
      const bits = (this.buf[idx] >>> (avail - take)) & ((1 << take) - 1);
      v = v * (1 << take) + bits;
      left -= take;
      pos += take;
    }
    this.pos = pos;
    return v;
  }

  /** `n` (0..64) bits as an unsigned integer (precision beyond 2^53 is lost). */
  readUint(n: number): number {
    if (n <= 32) return this.readBits(n);
    const hi = this.readBits(n - 32);
    return hi * TWO32 + this.readBits(32);
  }

  /** `n` bits as a two's complement signed integer. */
  readSigned(n: number): number {
    if (n <= 32) {
      const v = this.readBits(n);
      return v >= 2 ** (n - 1) ? v - 2 ** n : v;
    }
    const hi = this.readBits(n - 32);
    const lo = this.readBits(32);
    const sign = 2 ** (n - 33);
    return (hi >= sign ? hi - 2 * sign : hi) * TWO32 + lo;
  }

  readFloat(): number {
    u32[1] = this.readBits(32);
    u32[0] = this.readBits(32);
    return f64[0];
  }

  private varbitPrefix(): number {
    let k = 0;
    while (k < 8 && this.readBits(1) === 1) k++;
    return k;
  }

  varbitInt(): number {
    const k = this.varbitPrefix();
    if (k === 0) return 0;
    const sz = VARBIT_SIZES[k];
    if (k === 8) return this.readSigned(64);
    // Prometheus reads the bits unsigned and subtracts 2^sz above 2^(sz-1): +2^(sz-1) is the top positive value.
    if (sz <= 32) {
      const bits = this.readBits(sz);
      return bits > 2 ** (sz - 1) ? bits - 2 ** sz : bits;
    }
    const hi = this.readBits(sz - 32);
    const lo = this.readBits(32);
    const half = 2 ** (sz - 33);
    return hi > half || (hi === half && lo > 0) ? (hi - 2 * half) * TWO32 + lo : hi * TWO32 + lo;
  }

  varbitUint(): number {
    const k = this.varbitPrefix();
    if (k === 0) return 0;
    return this.readUint(VARBIT_SIZES[k]);
  }

  /** Prometheus's `xorRead`: the next float of the stream whose state is `st`. */
  xorFloat(st: XorState): number {
    if (this.readBits(1) === 0) return xorStateValue(st);
    if (this.readBits(1) === 1) {
      st.leading = this.readBits(5);
      let sig = this.readBits(6);
      if (sig === 0) sig = 64;
      st.trailing = 64 - st.leading - sig;
    }
    const sig = 64 - st.leading - st.trailing;
    let h = 0;
    let l: number;
    if (sig > 32) {
      h = this.readBits(sig - 32);
      l = this.readBits(32);
    } else {
      l = this.readBits(sig);
    }
    const tr = st.trailing;
    let xh: number;
    let xl: number;
    if (tr === 0) {
      xh = h;
      xl = l;
    } else if (tr >= 32) {
      xh = l * 2 ** (tr - 32);
      xl = 0;
    } else {
      xh = (h * 2 ** tr + Math.floor(l / 2 ** (32 - tr))) % TWO32;
      xl = (l * 2 ** tr) % TWO32;
    }
    st.hi = (st.hi ^ xh) >>> 0;
    st.lo = (st.lo ^ xl) >>> 0;
    return xorStateValue(st);
  }
}
