import { uvarintSize } from '../../../lib/protobuf/index.js';

/** The protobuf writing the remote-write encoders share: sizes are computed first, then one buffer is filled. */

/** Bytes of an int64 varint: ten for a negative value (two's complement), else the unsigned size. */
export function varintSize(n: number): number {
  return n < 0 ? 10 : uvarintSize(n);
}

export class ProtoWriter {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    if (n < 0) {
      // int64 two's complement: ten bytes.
      const lo = n % 4294967296 >>> 0;
      let hi = Math.floor(n / 4294967296) >>> 0;
      let l = lo;
      for (let i = 0; i < 4; i++) {
        this.buf[this.pos++] = (l & 0x7f) | 0x80;
        l >>>= 7;
      }
      this.buf[this.pos++] = (l & 0x0f) | ((hi & 0x07) << 4) | 0x80;
      hi >>>= 3;
      for (let i = 0; i < 5; i++) {
        this.buf[this.pos++] = i === 4 ? hi & 0x01 : (hi & 0x7f) | 0x80;
        hi >>>= 7;
      }
      return;
    }
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  double(v: number): void {
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  string(tag: number, s: string, byteLen: number): void {
    this.buf[this.pos++] = tag;
    this.varint(byteLen);
    this.pos += this.buf.write(s, this.pos, byteLen, 'utf8');
  }
}
