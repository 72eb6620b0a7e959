import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseGoDurationOrError } from './duration.js';

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

describe("parseGoDurationOrError (Go's time.ParseDuration with its error texts)", () => {
  it.each([
    ['5', 'time: missing unit in duration "5"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1h-5m', 'time: unknown unit "h-" in duration "1h-5m"'],
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['.s', 'time: invalid duration ".s"'],
    ['s', 'time: invalid duration "s"'],
    [' 3m', 'time: invalid duration " 3m"'],
  ])('%j: %s', (s, error) => expect(parseGoDurationOrError(s)).toEqual({ error }));

  it.each([
    ['1.s', 1000],
    ['1.5m0.5s', 90_500],
    ['-0', 0],
    ['3h2m1s4ms', 10_921_004],
  ])('%j is %d ms', (s, ms) => expect(parseGoDurationOrError(s)).toEqual({ ms }));
});
