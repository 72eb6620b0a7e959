import { describe, expect, it } from 'vitest';
import { extractSelectors } from './selectors.js';

describe('extractSelectors (parser.ExtractSelectors)', () => {
  it('finds every vector selector of an expression', () => {
    const sets = extractSelectors('sum by (le) (rate(a_bucket{job="x"}[5m] offset 1m)) / on() group_left b or vector(1)');
    expect(sets.map((s) => s.map(String))).toEqual([['__name__="a_bucket"', 'job="x"'], ['__name__="b"']]);
    expect(extractSelectors('1 + 2')).toEqual([]);
  });
  it('refuses empty and broken expressions', () => {
    expect(() => extractSelectors('')).toThrow('1:1: parse error: no expression found in input');
    expect(() => extractSelectors('sum(')).toThrow(/^1:\d+: parse error: /);
  });
});
