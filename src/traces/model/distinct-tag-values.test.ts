import { describe, expect, it } from 'vitest';
import { DistinctTagValues } from './distinct-tag-values.js';

describe('DistinctTagValues (max_bytes_per_tag_values_query)', () => {
  it("v1 counts a value's UTF-8 bytes and stops before the total reaches the limit, as Tempo's collector", () => {
    const d = new DistinctTagValues(10, 'v1');
    expect(d.collect('abc')).toBe(false); // 3
    expect(d.collect('abc')).toBe(false); // a repeat adds nothing
    expect(d.collect('défg')).toBe(false); // 5 bytes: 8
    expect(d.collect('xy')).toBe(true); // 8 + 2 >= 10: over, not added
    expect(d.collect('z')).toBe(true); // stays over
    expect(d.exceeded).toBe(true);
    expect(d.size).toBe(8);
    expect(d.values().map((v) => v.value)).toEqual(['abc', 'défg']);
  });

  it('v1 lists strings: a number and its string are one value', () => {
    const d = new DistinctTagValues(0, 'v1');
    d.collect(200);
    d.collect('200');
    d.collect(true);
    expect(d.values().map((v) => v.value)).toEqual(['200', 'true']);
    expect(d.exceeded).toBe(false);
  });

  it('v2 counts the type name with the value, and typed values are distinct', () => {
    const d = new DistinctTagValues(30, 'v2');
    expect(d.collect(200)).toBe(false); // 'int' + '200' = 6
    expect(d.collect('200')).toBe(false); // 'string' + '200' = 9: 15
    expect(d.collect(1.5)).toBe(false); // 'float' + '1.5' = 8: 23
    expect(d.collect(false)).toBe(true); // 'bool' + 'false' = 9: 32 >= 30
    expect(d.values()).toEqual([
      { type: 'int', value: '200' },
      { type: 'string', value: '200' },
      { type: 'float', value: '1.5' },
    ]);
  });

  it('a repeated value that would not fit ends the collection too (the size check comes first, as in Tempo)', () => {
    const d = new DistinctTagValues(7, 'v1');
    expect(d.collect('abcd')).toBe(false);
    expect(d.collect('abcd')).toBe(true);
    expect(d.values()).toHaveLength(1);
  });

  it('0 is unlimited', () => {
    const d = new DistinctTagValues(0, 'v2');
    for (let i = 0; i < 10_000; i++) expect(d.collect(`value-${i}`)).toBe(false);
    expect(d.values()).toHaveLength(10_000);
  });
});
