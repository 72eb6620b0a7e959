/**
 * Varint/float/string encoding used by WAL records and the block files (Go's encoding/binary varints; the block
 * files' fixed-width integers are big-endian, `u32be`/`u64be`). Integers up to 2^53.
 */

import { putUvarint } from '../../lib/protobuf/index.js';

export { putUvarint };

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** Zig-zag varint of `v` at `p` (capacity ensured by the caller); returns the position after it. */
export function putVarint(b: Uint8Array, p: number, v: number): number {
  return putUvarint(b, p, v >= 0 ? v * 2 : -v * 2 - 1);
}

/** The raw 8 bytes of a float64 at `p` (capacity ensured; NaN payloads kept); returns the position after them. */
export function putFloat64(b: Uint8Array, p: number, v: number): number {
  f64[0] = v;
  // Eight stores beat a typed-array copy call for this size (WAL sample records are mostly floats).
  b[p] = f64b[0];
  b[p + 1] = f64b[1];
  b[p + 2] = f64b[2];
  b[p + 3] = f64b[3];
  b[p + 4] = f64b[4];
  b[p + 5] = f64b[5];
  b[p + 6] = f64b[6];
  b[p + 7] = f64b[7];
  return p + 8;
}

export class ByteWriter {
  buf: Buffer;
  len = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.len = 0;
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  uvarint(v: number): void {
    this.ensure(10);
    this.len = putUvarint(this.buf, this.len, v);
  }

  varint(v: number): void {
    this.ensure(10);
    this.len = putVarint(this.buf, this.len, v);
  }

  /**
   * A signed integer written as Go writes `uint64(int64 value)` with PutUvarint: a negative value wraps to its
   * two's complement (10 bytes). Prometheus's index stores chunk time deltas this way.
   */
  int64AsUvarint(v: number): void {
    if (v >= 0) return this.uvarint(v);
    let u = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.len++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.len++] = Number(u);
  }

  /** The raw 8 bytes of a float64 (NaN payloads kept). */
  float(v: number): void {
    this.ensure(8);
    this.len = putFloat64(this.buf, this.len, v);
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }

  u32be(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  /** Overwrite the big-endian u32 at `pos` (a length field filled in once the section is written). */
  patchU32be(pos: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, pos);
  }

  u64be(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / 2 ** 32);
    this.buf.writeUInt32BE(hi >>> 0, this.len);
    this.buf.writeUInt32BE((v - hi * 2 ** 32) >>> 0, this.len + 4);
    this.len += 8;
  }

  /** Zero bytes up to the next multiple of `n`. */
  align(n: number): void {
    while (this.len % n !== 0) this.byte(0);
  }

  string(s: string): void {
    // Label names and values are short and mostly ASCII: copy them byte by byte behind a one-byte length and fall
    // back to the UTF-8 encoder at the first other character.
    const sl = s.length;
    if (sl < 0x80) {
      this.ensure(1 + sl);
      const b = this.buf;
      const start = this.len + 1;
      let i = 0;
      for (; i < sl; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      if (i === sl) {
        b[this.len] = sl;
        this.len = start + sl;
        return;
      }
    }
    const n = Buffer.byteLength(s);
    this.uvarint(n);
    this.ensure(n);
    this.buf.write(s, this.len, n, 'utf8');
    this.len += n;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.pos = offset;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new RangeError('record truncated');
    return this.buf[this.pos++];
  }

  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }

  /** The reverse of `ByteWriter.int64AsUvarint`: a uvarint read as uint64 and returned as the signed int64. */
  int64FromUvarint(): number {
    const start = this.pos;
    const v = this.uvarint();
    if (v < 2 ** 53) return v;
    let u = 0n;
    for (let i = this.pos - 1; i >= start; i--) u = (u << 7n) | BigInt(this.buf[i] & 0x7f);
    return Number(BigInt.asIntN(64, u));
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float(): number {
    if (this.pos + 8 > this.end) throw new RangeError('record truncated');
    for (let i = 0; i < 8; i++) f64b[i] = this.buf[this.pos + i];
    this.pos += 8;
    return f64[0];
  }

  u32(): number {
    if (this.pos + 4 > this.end) throw new RangeError('record truncated');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  u32be(): number {
    if (this.pos + 4 > this.end) throw new RangeError('record truncated');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  string(): string {
    const n = this.uvarint();
    if (this.pos + n > this.end) throw new RangeError('record truncated');
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new RangeError('record truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
