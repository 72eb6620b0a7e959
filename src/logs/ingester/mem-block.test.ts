import { describe, expect, it } from 'vitest';
import { lineBytesOf } from '../model/index.js';
import { MemBlock } from './mem-block.js';

describe('MemBlock (lines as byte ranges of the buffers they were written in)', () => {
  it('returns every line as written, across buffers and growth, multi-byte UTF-8 included', () => {
    const b = new MemBlock();
    const want: string[] = [];
    for (let r = 0; r < 10; r++) {
      const lines = Array.from({ length: 30 }, (_, i) => `r${r} line ${i} ${'é€😀'.repeat(i % 4)}`);
      const lb = lineBytesOf(lines);
      for (let i = 0; i < lines.length; i++) b.append(BigInt(r * 100 + i), lb.buf, lb.offs[2 * i], lb.offs[2 * i + 1], undefined);
      want.push(...lines);
    }
    expect(b.n).toBe(300);
    expect(b.lines()).toEqual(want);
    expect(b.bytes).toBe(want.reduce((a, l) => a + Buffer.byteLength(l), 0));
    expect(b.line(299)).toBe(want[299]);
    expect(b.lineBytes().map((x) => x.toString('utf8'))).toEqual(want);
  });

  it('sorts out-of-order entries by time (stable), lines and metadata moving with their times', () => {
    const b = new MemBlock();
    const lb = lineBytesOf(['c', 'a', 'b', 'a2']);
    const ts = [30n, 10n, 20n, 10n];
    const meta: Array<Array<[string, string]> | undefined> = [undefined, [['k', 'a']], undefined, [['k', 'a2']]];
    for (let i = 0; i < 4; i++) b.append(ts[i], lb.buf, lb.offs[2 * i], lb.offs[2 * i + 1], meta[i]);
    expect(b.minT).toBe(10n);
    expect(b.maxT).toBe(30n);
    b.sort();
    expect(Array.from(b.ts.subarray(0, b.n))).toEqual([10n, 10n, 20n, 30n]);
    expect(b.lines()).toEqual(['a', 'a2', 'b', 'c']);
    expect(b.metadata).toEqual([[['k', 'a']], [['k', 'a2']], undefined, undefined]);
  });
});
