import { describe, expect, it } from 'vitest';
import { TraceqlParseError } from './ast.js';
import { MAX_TRACEQL_QUERY_LENGTH, parseTraceql } from './parser.js';

// Hostile TraceQL text: refused as a parse error (400 in the API), quickly, never a stack overflow or a stall.
describe('TraceQL parse limits', () => {
  const cases: [string, string][] = [
    ['`{` a million times', '{'.repeat(1_000_000)],
    ['a query just over the length limit', `{ .a = "${'x'.repeat(MAX_TRACEQL_QUERY_LENGTH)}" }`],
    ['unbalanced parentheses at the limit', '{ ' + '('.repeat(MAX_TRACEQL_QUERY_LENGTH - 4) + ' }'],
    ['`{` at the limit', '{'.repeat(MAX_TRACEQL_QUERY_LENGTH)],
  ];
  for (const [name, q] of cases) {
    it(`${name}: a parse error within 2 s`, () => {
      const t0 = performance.now();
      expect(() => parseTraceql(q)).toThrow(TraceqlParseError);
      expect(performance.now() - t0).toBeLessThan(2000);
    });
  }

  it('deeply nested but balanced parentheses are a parse error or a query, never a crash', () => {
    const n = 20_000;
    const q = '{ ' + '('.repeat(n) + '.a = 1' + ')'.repeat(n) + ' }';
    try {
      parseTraceql(q);
    } catch (e) {
      expect(e).toBeInstanceOf(TraceqlParseError);
    }
  });

  it('an ordinary query still parses', () => {
    expect(parseTraceql('{ resource.service.name = "x" && duration > 500ms }').stages).toHaveLength(1);
  });
});
