import { describe, expect, it } from 'vitest';
import { lineAt, lineBytesOf, lineCount, type LineBytes } from '../model/index.js';
import { decodeWalRecord, encodeWalRecord, type WalStream } from './wal-codec.js';

const linesOf = (l: LineBytes) => Array.from({ length: lineCount(l) }, (_, i) => lineAt(l, i));

/** Lines spread over one buffer with bytes between them, as a protobuf body has them. */
function body(lines: string[], gap = 3): LineBytes {
  const parts: Buffer[] = [];
  const offs: number[] = [];
  let p = 0;
  for (const l of lines) {
    parts.push(Buffer.alloc(gap, 0xee));
    p += gap;
    const b = Buffer.from(l);
    parts.push(b);
    offs.push(p, p + b.length);
    p += b.length;
  }
  return { buf: Buffer.concat(parts), offs };
}

describe('logs WAL record', () => {
  it('references the request buffer instead of copying its lines, and decodes back to the same entries', () => {
    const shared = body(['a line', 'zweite Zeile ü', 'third', 'x'.repeat(300)]);
    const s1: WalStream = { labels: '{job="a"}', ts: BigInt64Array.of(1n, 2n), lines: { buf: shared.buf, offs: shared.offs.slice(0, 4) } };
    const s2: WalStream = { labels: '{job="b"}', ts: BigInt64Array.of(-5n, 2n ** 62n), lines: { buf: shared.buf, offs: shared.offs.slice(4) }, metadata: [undefined, [['trace_id', 'abc']]] };
    const s3: WalStream = { labels: '{job="json"}', ts: BigInt64Array.of(7n), lines: lineBytesOf(['from json']) };
    const { parts, lines } = encodeWalRecord('tenant-1', [s1, s2, s3]);
    // The buffers are parts of the record as they are, and the head gets the lines where they were.
    expect(parts).toContain(shared.buf);
    expect(parts).toContain(s3.lines.buf);
    expect(lines[0]).toBe(s1.lines);
    expect(lines[1]).toBe(s2.lines);
    expect(parts.length).toBe(3);

    const { tenant, streams } = decodeWalRecord(Buffer.concat(parts));
    expect(tenant).toBe('tenant-1');
    expect(streams.map((s) => s.labels)).toEqual(['{job="a"}', '{job="b"}', '{job="json"}']);
    expect(streams.map((s) => [...s.ts])).toEqual([[1n, 2n], [-5n, 2n ** 62n], [7n]]);
    expect(streams.map((s) => linesOf(s.lines))).toEqual([['a line', 'zweite Zeile ü'], ['third', 'x'.repeat(300)], ['from json']]);
    expect(streams[0].metadata).toBeUndefined();
    expect(streams[1].metadata).toEqual([undefined, [['trace_id', 'abc']]]);
  });

  it('copies the accepted lines of a buffer they use less than half of', () => {
    const all = body(Array.from({ length: 10 }, (_, i) => `line ${i} ${'y'.repeat(50)}`));
    // Two streams keep 2 lines each of the ten.
    const s1: WalStream = { labels: '{job="a"}', ts: BigInt64Array.of(1n, 2n), lines: { buf: all.buf, offs: all.offs.slice(0, 4) } };
    const s2: WalStream = { labels: '{job="b"}', ts: BigInt64Array.of(3n, 4n), lines: { buf: all.buf, offs: all.offs.slice(8, 12) } };
    const { parts, lines } = encodeWalRecord('t', [s1, s2]);
    expect(parts).not.toContain(all.buf);
    expect(lines[0].buf).not.toBe(all.buf);
    expect(lines[1].buf).toBe(lines[0].buf);
    expect(lines[0].buf.length).toBe(4 * (7 + 50));
    expect(linesOf(lines[0])).toEqual(linesOf(s1.lines));
    expect(linesOf(lines[1])).toEqual(linesOf(s2.lines));
    const { streams } = decodeWalRecord(Buffer.concat(parts));
    expect(streams.map((s) => linesOf(s.lines))).toEqual([linesOf(s1.lines), linesOf(s2.lines)]);
  });

  it('still reads version 1 records (WALs written before)', () => {
    // u8 1 | u16 tenant length | tenant | u32 streams | u32 labels length | labels | u32 entries | i64 ts | u32 line length | line | u32 metadata length | metadata
    const meta = Buffer.from(JSON.stringify([['k', 'v']]));
    const rec = Buffer.concat([
      Buffer.from([1]),
      u16(1), Buffer.from('t'),
      u32(1),
      u32(9), Buffer.from('{job="a"}'),
      u32(2),
      i64(10n), u32(5), Buffer.from('hello'), u32(0),
      i64(11n), u32(5), Buffer.from('world'), u32(meta.length), meta,
    ]);
    const { tenant, streams } = decodeWalRecord(rec);
    expect(tenant).toBe('t');
    expect(streams).toHaveLength(1);
    expect([...streams[0].ts]).toEqual([10n, 11n]);
    expect(linesOf(streams[0].lines)).toEqual(['hello', 'world']);
    expect(streams[0].metadata).toEqual([undefined, [['k', 'v']]]);
  });

  it('refuses a record whose line lies beyond its buffer', () => {
    const b = body(['abc', 'def']);
    const { parts } = encodeWalRecord('t', [{ labels: '{job="a"}', ts: BigInt64Array.of(1n, 2n), lines: b }]);
    const rec = Buffer.concat(parts);
    expect(() => decodeWalRecord(rec.subarray(0, rec.length - 1))).toThrow(RangeError);
    expect(() => decodeWalRecord(Buffer.from([3, 0, 0]))).toThrow('unknown logs WAL record version');
  });
});

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function i64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return b;
}
