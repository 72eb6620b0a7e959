/**
 * Gorilla XOR chunks (Facebook's Gorilla paper, as Prometheus's `chunkenc.XORChunk`): timestamps as
 * delta-of-delta in variable bit buckets, values as the XOR with the previous value's raw bits. Values are stored
 * as raw IEEE-754 bits, so NaN payloads (the staleness marker) survive.
 *
 * Byte layout, bit for bit Prometheus's XOR chunk (tsdb/docs/format/chunks.md, chunk encoding 1), so that blocks
 * are readable by Prometheus and promtool and theirs by us. Timestamps are integer milliseconds.
 *   u16 big-endian sample count, then the bit stream:
 *   sample 0: t as a zig-zag varint, v as 64 raw bits
 *   sample 1: t - t[0] as a uvarint, v as below
 *   sample n>1: dod = (t - t[n-1]) - (t[n-1] - t[n-2]), as
 *     '0' (dod 0) | '10' + 14 bits | '110' + 17 bits | '1110' + 20 bits | '1111' + dod as a 64-bit two's complement
 *   value: '0' same bits | '10' + meaningful bits in the previous window | '11' + 5 bits leading zeros +
 *     6 bits significant-bit count (64 written as 0) + the significant bits
 */

import { BitWriter } from './bit-stream.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Signed view of the same bits: keeps the appender's per-series state in small integers (no heap numbers). */
const i32 = new Int32Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the TSDB chunk encoding assumes a little-endian machine');

export const CHUNK_HEADER = 2;
/** Prometheus cuts a head chunk at 120 samples. */
export const SAMPLES_PER_CHUNK = 120;
/** Worst case of one sample: a 10-byte varint time (sample 0/1) or 4 + 64 bits, plus 2 + 5 + 6 + 64 bits for the value. */
const MAX_SAMPLE_BYTES = 21;
/** The room past its last byte an appender keeps (it reserves for a worst-case sample before each append). */
export const XOR_SAMPLE_ROOM = MAX_SAMPLE_BYTES + 3;
/** A new chunk's buffer without a hint: the header and the first samples (~16 bytes) and a worst-case sample's room. */
const FIRST_CHUNK_BYTES = 64;
/** Samples after which an appender projects its chunk's size from its bytes per sample (`grow`). */
const PROJECT_AFTER = 4;
/** What the first sample takes, about: a millisecond timestamp's zig-zag varint (6 bytes) and 64 raw value bits. */
const FIRST_SAMPLE_BYTES = 14;

/**
 * An appender's state parked between appends (`XorChunkAppender.park`/`resume`) as PARKED_XOR_NUMBERS doubles of a
 * Float64Array from `at`: the head keeps each series' open chunk this way — its buffer in a field of the series, these
 * numbers in the series' number columns (series-numbers.ts) — instead of an appender object per series (104 bytes and
 * two or three 16-byte heap numbers). In order: minT, maxT, the last delta, the bit position, the sample count
 * (× 2^16) with the XOR window's leading (× 2^8) and trailing zeros, the last value's high and low 32 bits.
 */
export const PARKED_XOR_NUMBERS = 7;
const P_MIN_T = 0;
const P_MAX_T = 1;
const P_DELTA = 2;
const P_BITS = 3;
const P_WINDOW = 4;
const P_HI = 5;
const P_LO = 6;

/** The sample count of the chunk parked at `num[at…]`. */
export function parkedSamples(num: Float64Array, at: number): number {
  return (num[at + P_WINDOW] | 0) >>> 16;
}

/** The bytes of the chunk parked at `num[at…]` in `buf` (a view: appends after it write past its end, as to `bytes()`). */
export function parkedBytes(buf: Uint8Array, num: Float64Array, at: number): Uint8Array {
  return buf.subarray(0, ((num[at + P_BITS] | 0) + 7) >>> 3);
}

/**
 * Appends samples to one chunk: a BitWriter (bit-stream.ts, shared with the histogram chunks) with the XOR
 * chunk's timestamp codes. A new buffer is allocated whenever it grows, so handed-out views stay valid. The previous
 * value's bits are kept as signed 32-bit halves (small integers, no heap numbers per series); `leading`/`trailing`
 * are its XOR window.
 */
export class XorChunkAppender extends BitWriter {
  numSamples = 0;
  minT = 0;
  maxT = 0;
  leading = 0xff;
  trailing = 0;
  private delta = 0;
  private vhi = 0;
  private vlo = 0;

  constructor(initialBytes = FIRST_CHUNK_BYTES) {
    super(CHUNK_HEADER, Math.max(initialBytes, CHUNK_HEADER + MAX_SAMPLE_BYTES));
  }

  /** Start a new, empty chunk in a new buffer (as a new appender would; the old buffer is left to its holders). */
  restart(initialBytes = FIRST_CHUNK_BYTES): void {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, CHUNK_HEADER + MAX_SAMPLE_BYTES)).fill(0, 0, CHUNK_HEADER);
    this.bitPos = CHUNK_HEADER * 8;
    this.numSamples = 0;
    this.minT = 0;
    this.maxT = 0;
    this.leading = 0xff;
    this.trailing = 0;
    this.delta = 0;
    this.vhi = 0;
    this.vlo = 0;
  }

  /** Continue the chunk in `buf` whose state is parked at `num[at…]` (appended to in place, or replaced when it grows). */
  resume(buf: Uint8Array, num: Float64Array, at: number): void {
    // `| 0`: what a Float64Array gives back is a double; stored as it is, V8 would widen these small-integer fields
    // (BitWriter's bitPos among them, read by every bit write of every chunk encoder) to boxed doubles.
    this.buf = buf;
    this.bitPos = num[at + P_BITS] | 0;
    const w = num[at + P_WINDOW] | 0;
    this.numSamples = w >>> 16;
    this.leading = (w >>> 8) & 0xff;
    this.trailing = w & 0xff;
    this.minT = num[at + P_MIN_T];
    this.maxT = num[at + P_MAX_T];
    this.delta = num[at + P_DELTA];
    this.vhi = num[at + P_HI] | 0;
    this.vlo = num[at + P_LO] | 0;
  }

  /** Park this chunk's state at `num[at…]`; returns its buffer (the appender may then take up another chunk). */
  park(num: Float64Array, at: number): Uint8Array {
    num[at + P_BITS] = this.bitPos;
    num[at + P_WINDOW] = this.numSamples * 65536 + this.leading * 256 + this.trailing;
    num[at + P_MIN_T] = this.minT;
    num[at + P_MAX_T] = this.maxT;
    num[at + P_DELTA] = this.delta;
    num[at + P_HI] = this.vhi;
    num[at + P_LO] = this.vlo;
    return this.buf;
  }

  append(t: number, v: number): void {
    if ((this.bitPos >>> 3) + MAX_SAMPLE_BYTES + 1 >= this.buf.length) this.grow();
    f64[0] = v;
    const hi = i32[1];
    const lo = i32[0];
    const n = this.numSamples;
    if (n === 0) {
      this.writeVarint(t >= 0 ? t * 2 : -t * 2 - 1);
      this.writeBits(hi, 32);
      this.writeBits(lo, 32);
      this.minT = t;
    } else if (n === 1) {
      const delta = t - this.maxT;
      this.writeVarint(delta);
      this.delta = delta;
      this.writeXor((hi ^ this.vhi) >>> 0, (lo ^ this.vlo) >>> 0, this);
    } else {
      const delta = t - this.maxT;
      this.writeDod(delta - this.delta);
      this.delta = delta;
      this.writeXor((hi ^ this.vhi) >>> 0, (lo ^ this.vlo) >>> 0, this);
    }
    this.vhi = hi;
    this.vlo = lo;
    this.maxT = t;
    this.numSamples = n + 1;
    this.buf[0] = (n + 1) >>> 8;
    this.buf[1] = (n + 1) & 0xff;
  }

  /**
   * Room for at least one more worst-case sample. Once PROJECT_AFTER samples show this series' bytes per sample, the
   * buffer grows to what a full chunk (SAMPLES_PER_CHUNK) should take at that rate, plus an eighth and a sample's
   * room (at least 1.5 times what it had), instead of doubling: a series' first chunk (whose size no earlier chunk of it tells) is allocated
   * twice — FIRST_CHUNK_BYTES, then the projection — where doubling from 32 bytes allocated it four or five times, the
   * outgrown copies garbage in Buffer-pool slabs that old space keeps until a full GC (docs/tsdb.md, Head).
   */
  private grow(): void {
    const n = this.numSamples;
    const len = this.buf.length;
    let size = len * 2;
    if (n >= PROJECT_AFTER && n < SAMPLES_PER_CHUNK) {
      const first = CHUNK_HEADER + FIRST_SAMPLE_BYTES;
      const perSample = (this.byteLength - first) / (n - 1);
      // At least half as much again: values that turn noisy late still grow the buffer geometrically.
      size = Math.max(Math.ceil(first + perSample * (SAMPLES_PER_CHUNK - 1) * 1.125) + XOR_SAMPLE_ROOM, len + (len >>> 1));
    }
    this.growTo(Math.max(size, (this.bitPos >>> 3) + MAX_SAMPLE_BYTES + 2));
  }

  /** A Go uvarint (7 bits a byte, low group first) of a non-negative integer up to 2^53, byte by byte into the bit stream. */
  private writeVarint(v: number): void {
    while (v >= 0x80) {
      this.writeBits((v % 0x80) | 0x80, 8);
      v = Math.floor(v / 0x80);
    }
    this.writeBits(v, 8);
  }

  private writeDod(dod: number): void {
    if (dod === 0) {
      this.writeBits(0, 1);
    } else if (dod >= -8191 && dod <= 8192) {
      this.writeBits(0b10, 2);
      this.writeBits(dod & 0x3fff, 14);
    } else if (dod >= -65535 && dod <= 65536) {
      this.writeBits(0b110, 3);
      this.writeBits(dod & 0x1ffff, 17);
    } else if (dod >= -524287 && dod <= 524288) {
      this.writeBits(0b1110, 4);
      this.writeBits(dod & 0xfffff, 20);
    } else {
      this.writeBits(0b1111, 4);
      const hi = Math.floor(dod / 2 ** 32);
      this.writeBits(hi, 32);
      this.writeBits(dod - hi * 2 ** 32, 32);
    }
  }
}

export function chunkNumSamples(chunk: Uint8Array): number {
  return (chunk[0] << 8) | chunk[1];
}

/**
 * The 32 bits of `chunk` starting at bit `pos` (most significant first), as a signed int32; bits past the end read as
 * zero. Reading by position keeps the decoder's state in locals: no per-bit calls, no shared reader object.
 */
function peek32(chunk: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const sh = pos & 7;
  const len = chunk.length;
  let w: number;
  if (i + 4 < len) {
    w = (chunk[i] << 24) | (chunk[i + 1] << 16) | (chunk[i + 2] << 8) | chunk[i + 3];
    if (sh !== 0) w = (w << sh) | (chunk[i + 4] >>> (8 - sh));
  } else {
    const b0 = i < len ? chunk[i] : 0;
    const b1 = i + 1 < len ? chunk[i + 1] : 0;
    const b2 = i + 2 < len ? chunk[i + 2] : 0;
    const b3 = i + 3 < len ? chunk[i + 3] : 0;
    const b4 = i + 4 < len ? chunk[i + 4] : 0;
    w = (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
    if (sh !== 0) w = (w << sh) | (b4 >>> (8 - sh));
  }
  return w;
}

/** `n` (1..32) bits at bit `pos`, unsigned. */
function bitsAt(chunk: Uint8Array, pos: number, n: number): number {
  return peek32(chunk, pos) >>> (32 - n);
}

// Position after the last uvarint read by uvarintAt (decoding is synchronous, so one module-level slot suffices).
let varintEnd = 0;

/** An unsigned varint (up to 2^53) starting at bit `pos`; sets `varintEnd`. */
function uvarintAt(chunk: Uint8Array, pos: number): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = bitsAt(chunk, pos, 8);
    pos += 8;
    v += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 0x80;
  }
  varintEnd = pos;
  return v;
}

/**
 * Decode a whole chunk into `outT`/`outV` starting at `offset`; returns the number of samples written. Decodes at
 * most `limit` samples (default: the count in the header), which lets a reader use a snapshot of a growing chunk.
 */
export function decodeXorChunk(chunk: Uint8Array, outT: Float64Array, outV: Float64Array, offset: number, limit = chunkNumSamples(chunk)): number {
  const n = Math.min(limit, chunkNumSamples(chunk));
  if (n === 0) return 0;
  const z = uvarintAt(chunk, CHUNK_HEADER * 8);
  let pos = varintEnd;
  let t = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  let vhi = bitsAt(chunk, pos, 32);
  let vlo = bitsAt(chunk, pos + 32, 32);
  pos += 64;
  u32[1] = vhi;
  u32[0] = vlo;
  outT[offset] = t;
  outV[offset] = f64[0];
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < n; i++) {
    // timestamp: the first delta as a uvarint, then delta-of-delta behind up to four '1' bits ('0' ends the prefix)
    let w: number;
    if (i === 1) {
      delta = uvarintAt(chunk, pos);
      pos = varintEnd;
    } else {
      w = peek32(chunk, pos);
      if (w >= 0) {
        pos += 1; // '0': same delta
      } else {
        const ones = Math.clz32(~w);
        if (ones === 1) {
          delta += signExtend((w >>> 16) & 0x3fff, 14);
          pos += 16;
        } else if (ones === 2) {
          delta += signExtend((w >>> 12) & 0x1ffff, 17);
          pos += 20;
        } else if (ones === 3) {
          delta += signExtend((w >>> 8) & 0xfffff, 20);
          pos += 24;
        } else {
          delta += (bitsAt(chunk, pos + 4, 32) | 0) * 2 ** 32 + bitsAt(chunk, pos + 36, 32);
          pos += 68;
        }
      }
    }
    t += delta;
    // value: '0' same bits | '10' previous window | '11' + 5 bits leading + 6 bits count
    w = peek32(chunk, pos);
    if (w >= 0) {
      pos += 1;
    } else {
      if ((w & 0x40000000) !== 0) {
        leading = (w >>> 25) & 0x1f;
        let sig = (w >>> 19) & 0x3f;
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
        pos += 13;
      } else {
        pos += 2;
      }
      const sig = 64 - leading - trailing;
      let h = 0;
      let l: number;
      if (sig > 32) {
        h = bitsAt(chunk, pos, sig - 32);
        l = bitsAt(chunk, pos + sig - 32, 32);
      } else {
        l = bitsAt(chunk, pos, sig);
      }
      pos += sig;
      let xh: number;
      let xl: number;
      if (trailing === 0) {
        xh = h;
        xl = l;
      } else if (trailing >= 32) {
        xh = l << (trailing - 32);
        xl = 0;
      } else {
        xh = (h << trailing) | (l >>> (32 - trailing));
        xl = l << trailing;
      }
      vhi = (vhi ^ xh) >>> 0;
      vlo = (vlo ^ xl) >>> 0;
    }
    u32[1] = vhi;
    u32[0] = vlo;
    outT[offset + i] = t;
    outV[offset + i] = f64[0];
  }
  return n;
}

function signExtend(v: number, bits: number): number {
  return v > 1 << (bits - 1) ? v - (1 << bits) : v;
}
