import { isUtf8 } from 'node:buffer';
import Long from 'long';

/**
 * The one bounds-checked reader of the protobuf wire format (remote write, OTLP, Loki push, ...). No allocation
 * per field: callers read tags, varints and fixed-width numbers in place and take sub-ranges by position, either
 * passing the end of the enclosing message explicitly (zero-allocation hot paths) or through `sub()` readers.
 * Every overrun or malformed field throws the error the caller's `makeError` builds (its protocol's message),
 * `WireFormatError` by default.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

/** Builds the error for a malformed input: `what` says what was wrong, `pos` is the byte offset. */
export type WireErrorFactory = (what: string, pos: number) => Error;

const defaultError: WireErrorFactory = (what, pos) => new WireFormatError(`${what} at byte ${pos}`);

export class WireReader {
  pos: number;
  end: number;
  /** Set when a string read since the last reset was not valid UTF-8 (it was decoded with U+FFFD replacements). */
  sawInvalidUtf8 = false;
  readonly buf: Buffer;

  constructor(
    bytes: Uint8Array,
    start = 0,
    end = bytes.length,
    private readonly makeError: WireErrorFactory = defaultError,
  ) {
    // No DataView: `sub()` makes a reader per embedded message (every span, attribute, value), and allocating a
    // DataView for each cost ~23% of OTLP trace ingest; Buffer's little-endian reads need none.
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  static of(bytes: Uint8Array, makeError?: WireErrorFactory): WireReader {
    return new WireReader(bytes, 0, bytes.length, makeError);
  }

  fail(what: string): never {
    throw this.makeError(what, this.pos);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint of up to 32 bits (tags, lengths, uint32 fields); longer encodings are truncated as protobuf does. */
  uint32(end = this.end): number {
    const b = this.buf;
    let p = this.pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) this.fail('truncated varint');
      const byte = b[p++];
      if (shift < 32) result |= (byte & 0x7f) << shift;
      shift += 7;
      if (byte < 0x80) {
        this.pos = p;
        return result >>> 0;
      }
    }
    this.fail('varint longer than 10 bytes');
  }

  /** A 64-bit varint as a number: int64 two's complement when `signed`, else uint64 (exact up to 2^53). */
  int64(end = this.end, signed = true): number {
    const lo = this.varint64Lo(end);
    const hi = this.hi;
    return signed ? (hi | 0) * TWO_32 + (lo >>> 0) : (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  /** A 64-bit varint with int64 semantics: a number when exactly representable, else a `Long`. */
  int64Long(end = this.end): number | Long {
    const [lo, hi] = this.varint64Parts(end);
    const l = new Long(lo | 0, hi | 0, false);
    return l.high >= -0x200000 && l.high < 0x200000 ? l.toNumber() : l;
  }

  /** A 64-bit varint as an unsigned `Long` (exact; protobufjs's uint64). */
  uint64Long(end = this.end): Long {
    const [lo, hi] = this.varint64Parts(end);
    return new Long(lo | 0, hi | 0, true);
  }

  /** A 64-bit varint as an unsigned bigint (exact). */
  uint64Big(end = this.end): bigint {
    const [lo, hi] = this.varint64Parts(end);
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  private varint64Parts(end: number): [number, number] {
    const lo = this.varint64Lo(end);
    return [lo, this.hi];
  }

  /** The high 32 bits of the last `varint64Lo`. */
  private hi = 0;

  /** The low 32 bits of a 64-bit varint; the high 32 bits are left in `hi` (no array per varint). */
  private varint64Lo(end: number): number {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 10; i++) {
      if (p >= end) this.fail('truncated varint');
      const byte = b[p++];
      if (i < 4) lo |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >> 4;
      } else hi |= (byte & 0x7f) << (7 * i - 32);
      if (byte < 0x80) break;
    }
    if (i === 10) this.fail('varint longer than 10 bytes');
    this.pos = p;
    this.hi = hi;
    return lo;
  }

  /** A zigzag-encoded sint64 as a number. */
  sint64(end = this.end): number {
    const u = this.int64(end, false);
    // zigzag: (n >>> 1) ^ -(n & 1), done in float arithmetic to keep 53 bits.
    const half = Math.floor(u / 2);
    return u % 2 === 0 ? half : -half - 1;
  }

  fixed32(end = this.end): number {
    if (this.pos + 4 > end) this.fail('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A fixed64 as an unsigned `Long`, or a signed one (sfixed64) when `signed`. */
  fixed64(end = this.end, signed = false): Long {
    if (this.pos + 8 > end) this.fail('truncated fixed64');
    const lo = this.buf.readInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    return new Long(lo, hi, !signed);
  }

  double(end = this.end): number {
    if (this.pos + 8 > end) this.fail('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end of the delimited range, checked against `end`. */
  lengthEnd(end = this.end): number {
    const len = this.uint32(end);
    const e = this.pos + len;
    if (e > end) this.fail(`length ${len} runs past the end of the message`);
    return e;
  }

  /** Start and end of a length-delimited field's payload; advances past it. */
  delimited(end = this.end): [number, number] {
    const e = this.lengthEnd(end);
    const s = this.pos;
    this.pos = e;
    return [s, e];
  }

  string(end = this.end): string {
    const e = this.lengthEnd(end);
    if (e === this.pos) return '';
    const s = this.buf.toString('utf8', this.pos, e);
    if (!this.sawInvalidUtf8 && s.includes('\uFFFD') && !isUtf8(this.buf.subarray(this.pos, e))) this.sawInvalidUtf8 = true;
    this.pos = e;
    return s;
  }

  bytes(end = this.end): Buffer {
    const [s, e] = this.delimited(end);
    return this.buf.subarray(s, e);
  }

  /** A reader over the next length-delimited field (an embedded message); advances past it. */
  sub(): WireReader {
    const [s, e] = this.delimited();
    return new WireReader(this.buf, s, e, this.makeError);
  }

  /** Skip a field's value of the given wire type. */
  skip(wireType: number, end = this.end): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64Parts(end);
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd(end);
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`invalid wire type ${wireType}`);
    }
  }
}
