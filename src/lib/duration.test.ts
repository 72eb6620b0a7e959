import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './duration.js';

describe("parseGoDuration (Go's time.ParseDuration)", () => {
  it.each([
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['200ms', 200],
    ['.5s', 500],
    ['1500us', 1.5],
    ['1500\u00b5s', 1.5],
    ['1500\u03bcs', 1.5],
    ['2000000ns', 2],
    ['-1h', -3_600_000],
    ['+10s', 10_000],
    ['0', 0],
    [' 3m ', 180_000],
  ])('%s is %d ms', (s, ms) => expect(parseGoDuration(s)).toBe(ms));

  it.each(['', '5', '1d', 's', '5x', '1h-5m', '-'])('%j is not one', (s) => expect(parseGoDuration(s)).toBeUndefined());
});
