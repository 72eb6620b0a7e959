import { isUtf8 } from 'node:buffer';
import { DecodeError } from './decode-error.js';

/**
 * A bounds-checked reader of the protobuf wire format over one buffer. No allocation per field: callers read tags,
 * varints and fixed-width numbers in place and take sub-ranges by position. Any overrun is a `DecodeError`.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class WireReader {
  pos = 0;
  /** Set when a string read since the last reset was not valid UTF-8 (it was decoded with U+FFFD replacements). */
  sawInvalidUtf8 = false;
  readonly buf: Buffer;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new DecodeError('protobuf', `${what} at byte ${this.pos}`);
  }

  /** An unsigned varint of up to 32 bits (tags, lengths, uint32 fields); longer encodings are truncated as protobuf does. */
  uint32(end: number): number {
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
  int64(end: number, signed: boolean): number {
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
    return signed ? (hi | 0) * TWO_32 + (lo >>> 0) : (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  /** A zigzag-encoded sint64 as a number. */
  sint64(end: number): number {
    const u = this.int64(end, false);
    // zigzag: (n >>> 1) ^ -(n & 1), done in float arithmetic to keep 53 bits.
    const half = Math.floor(u / 2);
    return u % 2 === 0 ? half : -half - 1;
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail('truncated double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end of the delimited range, checked against `end`. */
  lengthEnd(end: number): number {
    const len = this.uint32(end);
    const e = this.pos + len;
    if (e > end) this.fail(`length ${len} runs past the end of the message`);
    return e;
  }

  string(end: number): string {
    const e = this.lengthEnd(end);
    if (e === this.pos) return '';
    const s = this.buf.toString('utf8', this.pos, e);
    if (!this.sawInvalidUtf8 && s.includes('\uFFFD') && !isUtf8(this.buf.subarray(this.pos, e))) this.sawInvalidUtf8 = true;
    this.pos = e;
    return s;
  }

  /** Skip a field's value of the given wire type. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.int64(end, false);
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
        this.fail(`unsupported wire type ${wireType}`);
    }
  }
}
