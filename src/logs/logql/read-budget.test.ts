import { describe, expect, it } from 'vitest';
import { parseLogql } from './parser.js';
import { ReadBudget, iBytes } from './read-budget.js';

describe('bytes-read limits', () => {
  it('prints sizes as Go humanize.IBytes does (Loki messages)', () => {
    expect([0, 9, 10, 1023, 1024, 50_000, 1 << 30, 150e9].map(iBytes)).toEqual(['0 B', '9 B', '10 B', '1023 B', '1.0 KiB', '49 KiB', '1.0 GiB', '140 GiB']);
  });

  it('limits metric queries and filtered log queries only', () => {
    expect(ReadBudget.for(parseLogql('{a="b"}'), 10, 10)).toBeUndefined();
    expect(ReadBudget.for(parseLogql('{a="b"} | logfmt'), 10, 10)).toBeUndefined();
    expect(ReadBudget.for(parseLogql('{a="b"} | x="y"'), 10, 10)).toBeDefined();
    expect(ReadBudget.for(parseLogql('rate({a="b"}[1m])'), 0, 0)).toBeUndefined();
    const b = ReadBudget.for(parseLogql('rate({a="b"}[1m])'), 0, 1024)!;
    b.add(1024);
    expect(() => b.add(1)).toThrow('query too large to execute on a single querier: (query: 1.0 KiB, limit: 1.0 KiB)');
  });
});
