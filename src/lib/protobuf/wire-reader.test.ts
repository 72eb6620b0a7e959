import { describe, expect, it } from 'vitest';
import { WireFormatError, WireReader } from './index.js';

describe('WireReader', () => {
  it('reads varints, 64-bit values and strings in place', () => {
    // field 1 varint 300, field 2 string "hi", field 3 varint -1 (10 bytes)
    const buf = Uint8Array.from([0x08, 0xac, 0x02, 0x12, 0x02, 0x68, 0x69, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const r = WireReader.of(buf);
    expect(r.uint32()).toBe(0x08);
    expect(r.uint32()).toBe(300);
    expect(r.uint32()).toBe(0x12);
    expect(r.string()).toBe('hi');
    expect(r.uint32()).toBe(0x18);
    const save = r.pos;
    expect(r.int64()).toBe(-1);
    r.pos = save;
    expect(r.uint64Big()).toBe(2n ** 64n - 1n);
    expect(r.done()).toBe(true);
  });

  it('throws the caller\'s error for truncated input and bad wire types', () => {
    expect(() => WireReader.of(Uint8Array.from([0x12, 0x05, 0x61])).skip(2, 0)).toThrow(WireFormatError);
    const custom = (what: string, pos: number) => new RangeError(`${what} @${pos}`);
    const r = WireReader.of(Uint8Array.from([0x12, 0x05, 0x61]), custom);
    r.uint32();
    expect(() => r.string()).toThrow('length 5 runs past the end of the message @2');
    expect(() => WireReader.of(Uint8Array.from([0x0f]), custom).skip(7)).toThrow('invalid wire type 7 @0');
    expect(() => WireReader.of(Uint8Array.from([0x80, 0x80]), custom).uint32()).toThrow(/truncated varint/);
  });
});

describe('unsigned varints', () => {
  it('writes what the reader reads, in the size it says, up to 2^53', async () => {
    const { putUvarint, uvarintSize } = await import('./varint.js');
    for (const v of [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1]) {
      const b = new Uint8Array(10);
      const end = putUvarint(b, 0, v);
      expect(end).toBe(uvarintSize(v));
      expect(new WireReader(b, 0, end).int64(end, false)).toBe(v);
    }
  });
});
