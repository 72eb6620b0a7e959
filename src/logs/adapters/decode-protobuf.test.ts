import { describe, expect, it } from 'vitest';
import { decodePushRequestProto } from './decode-protobuf.js';
import { PushDecodeError } from './push-decode-error.js';

/** Protobuf bytes written by hand (field tags and varints) for one stream with two entries. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const str = (field: number, s: string) => {
  const b = [...Buffer.from(s)];
  return [(field << 3) | 2, ...varint(b.length), ...b];
};
const msg = (field: number, body: number[]) => [(field << 3) | 2, ...varint(body.length), ...body];

describe('PushRequest protobuf decoder', () => {
  it('decodes labels, timestamps, lines and structured metadata, skipping unknown fields', () => {
    const ts = msg(1, [0x08, ...varint(1_700_000_000), 0x10, ...varint(42)]);
    const e1 = msg(2, [...ts, ...str(2, 'hello'), ...msg(3, [...str(1, 'trace_id'), ...str(2, 't1')])]);
    const e2 = msg(2, [...msg(1, [0x08, ...varint(1_700_000_001)]), ...str(2, 'world'), 0x78, 0x05 /* unknown field 15 varint */]);
    const stream = msg(1, [...str(1, '{job="x"}'), ...e1, ...e2, 0x18, ...varint(12345) /* hash */]);
    const req = decodePushRequestProto(Uint8Array.from(stream));
    expect(req.streams).toHaveLength(1);
    const s = req.streams[0];
    expect(s.labels).toBe('{job="x"}');
    expect(s.ts).toEqual([1_700_000_000_000_000_042n, 1_700_000_001_000_000_000n]);
    expect(s.lines).toEqual(['hello', 'world']);
    expect(s.metadata).toEqual([[['trace_id', 't1']], undefined]);
  });

  it('decodes negative seconds and nanos (int64 / int32 two\'s complement) and seconds shared by entries', () => {
    const neg64 = (n: bigint) => {
      const out: number[] = [];
      let u = BigInt.asUintN(64, n);
      while (u >= 0x80n) {
        out.push(Number(u & 0x7fn) | 0x80);
        u >>= 7n;
      }
      out.push(Number(u));
      return out;
    };
    const entry = (sec: number[], nanos: number[], line: string) => msg(2, [...msg(1, [0x08, ...sec, 0x10, ...nanos]), ...str(2, line)]);
    const stream = msg(1, [
      ...str(1, '{job="x"}'),
      ...entry(neg64(-5n), neg64(-7n), 'a'),
      ...entry(varint(1_700_000_000), varint(5), 'b'),
      ...entry(varint(1_700_000_000), varint(999_999_999), 'c'),
      ...entry(neg64(2n ** 62n), varint(1), 'd'),
      ...entry(varint(9_223_372_036), varint(854_775_807), 'e'),
      ...entry(varint(9_223_372_036), varint(854_775_808), 'f'),
      ...entry(neg64(-9_223_372_037n), neg64(-1n), 'g'),
    ]);
    const s = decodePushRequestProto(Uint8Array.from(stream)).streams[0];
    // Beyond int64 nanoseconds (after 2262, before 1677) a time is kept at int64's bound: refused as too new (or too
    // old) rather than wrapped around into an acceptable time by the 64-bit column.
    const max = 2n ** 63n - 1n;
    expect(s.ts).toEqual([-5_000_000_007n, 1_700_000_000_000_000_005n, 1_700_000_000_999_999_999n, max, max, max, -(2n ** 63n)]);
  });

  it('rejects truncated messages', () => {
    expect(() => decodePushRequestProto(Uint8Array.from([0x0a, 0x10, 0x0a]))).toThrow(PushDecodeError);
    expect(() => decodePushRequestProto(Uint8Array.from([0x0f]))).toThrow('proto: illegal wireType 7');
  });
});
