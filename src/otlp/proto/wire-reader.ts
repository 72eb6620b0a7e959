import Long from 'long';
import { OtlpDecodeError } from './codec-errors.js';

/**
 * A minimal protobuf wire-format reader for the hot decoding paths (spans). Faster than protobufjs's reflective
 * decoder, which turns every oneof message into a dictionary-mode object by deleting properties.
 */
export class WireReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  static of(b: Uint8Array): WireReader {
    return new WireReader(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
  }

  private fail(what: string): never {
    throw new OtlpDecodeError(`unable to unmarshal traces request: ${what} at offset ${this.pos}`);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  uint32(): number {
    const b = this.buf;
    let v = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const c = b[this.pos++];
      if (shift < 28) v |= (c & 0x7f) << shift;
      else if (shift === 28) v |= (c & 0x0f) << 28;
      if ((c & 0x80) === 0) return v >>> 0;
      shift += 7;
      if (shift > 63) this.fail('varint too long');
    }
  }

  /** A varint as a JS number if it is exactly representable, else as a Long (int64 semantics). */
  int64(): number | Long {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const c = b[this.pos++];
      if (shift < 28) lo |= (c & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (c & 0x0f) << 28;
        hi |= (c & 0x7f) >> 4;
      } else hi |= (c & 0x7f) << (shift - 32);
      if ((c & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) this.fail('varint too long');
    }
    const l = new Long(lo | 0, hi | 0, false);
    return l.high >= -0x200000 && l.high < 0x200000 ? l.toNumber() : l;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(): Long {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const lo = this.buf.readInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    return new Long(lo, hi, true);
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Start and end of a length-delimited field's payload; advances past it. */
  delimited(): [number, number] {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) this.fail('truncated length-delimited field');
    this.pos += len;
    return [start, start + len];
  }

  string(): string {
    const [s, e] = this.delimited();
    return this.buf.toString('utf8', s, e);
  }

  bytes(): Buffer {
    const [s, e] = this.delimited();
    return this.buf.subarray(s, e);
  }

  sub(): WireReader {
    const [s, e] = this.delimited();
    return new WireReader(this.buf, s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.uint32Skip();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail(`invalid wire type ${wireType}`);
    }
    if (this.pos > this.end) this.fail('truncated field');
  }

  private uint32Skip(): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      if ((this.buf[this.pos++] & 0x80) === 0) return;
    }
    this.fail('varint too long');
  }
}
