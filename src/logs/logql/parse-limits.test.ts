import { describe, expect, it } from 'vitest';
import { LogqlParseError, MAX_LOGQL_QUERY_LENGTH, parseLogql } from './parser.js';

// Hostile LogQL text: refused as a parse error (400 in the API), quickly, never a stack overflow or a stall.
describe('LogQL parse limits', () => {
  const cases: [string, string][] = [
    ['`{` a million times', '{'.repeat(1_000_000)],
    ['a query just over the length limit', `{a="${'x'.repeat(MAX_LOGQL_QUERY_LENGTH)}"}`],
    ['unbalanced parentheses at the limit', '('.repeat(MAX_LOGQL_QUERY_LENGTH)],
    ['`{` at the limit', '{'.repeat(MAX_LOGQL_QUERY_LENGTH)],
    ['nested sum( at the limit', 'sum('.repeat(MAX_LOGQL_QUERY_LENGTH / 4)],
  ];
  for (const [name, q] of cases) {
    it(`${name}: a parse error within 2 s`, () => {
      const t0 = performance.now();
      expect(() => parseLogql(q)).toThrow(LogqlParseError);
      expect(performance.now() - t0).toBeLessThan(2000);
    });
  }

  it('the length limit names the size', () => {
    expect(() => parseLogql(`{a="${'x'.repeat(MAX_LOGQL_QUERY_LENGTH)}"}`)).toThrow(/longer than the limit of 65536 bytes/);
  });

  it('an ordinary query still parses', () => {
    expect(parseLogql('sum by (app) (rate({app="a"} |= "x" [5m]))')).toBeDefined();
  });
});

describe('LogQL deep nesting', () => {
  it('balanced parentheses 20k deep are a parse error or a query, never a crash', () => {
    const n = 20_000;
    const q = 'sum(' + '('.repeat(n) + 'rate({a="b"}[1m])' + ')'.repeat(n) + ')';
    try {
      parseLogql(q);
    } catch (e) {
      expect(e).toBeInstanceOf(LogqlParseError);
    }
  });
});
