import { describe, expect, it } from 'vitest';
import { MAX_TIME_MS, MIN_TIME_MS, atoi, parseDurationNs, parseGoFloat, parseTime } from './params.js';

describe('parseTime (Prometheus web/api/v1 parseTime)', () => {
  it('reads Unix seconds, rounding the fraction to milliseconds like Go', () => {
    expect(parseTime('1435781451.781')).toBe(1435781451781);
    expect(parseTime('1435781451')).toBe(1435781451000);
    expect(parseTime('1.0004')).toBe(1000);
    expect(parseTime('1.0005')).toBe(1000); // 0.000499999... in binary, as in Go
    expect(parseTime('1.0006')).toBe(1001);
    expect(parseTime('-1.5')).toBe(-1500);
    expect(parseTime('1e3')).toBe(1_000_000);
    expect(parseTime('+Inf')).toBe(MAX_TIME_MS);
  });
  it('reads RFC 3339 with optional fraction and offset', () => {
    expect(parseTime('2015-07-01T20:10:51.781Z')).toBe(1435781451781);
    expect(parseTime('2015-07-01T20:10:51Z')).toBe(1435781451000);
    expect(parseTime('2015-07-01T22:10:51.7819999+02:00')).toBe(1435781451781);
    expect(parseTime('-292273086-05-16T16:47:06Z')).toBe(MIN_TIME_MS);
    expect(parseTime('292277025-08-18T07:12:54.999999999Z')).toBe(MAX_TIME_MS);
  });
  it.each(['', 'x', '2015-07-01', '2015-13-01T00:00:00Z', '2015-02-29T00:00:00Z', ' 1', '0x', '1e400', 'now'])('refuses %j', (s) => {
    expect(() => parseTime(s)).toThrow(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
  });
});

describe('parseDurationNs (Prometheus parseDuration)', () => {
  it('reads float seconds and Prometheus durations', () => {
    expect(parseDurationNs('15')).toBe(15e9);
    expect(parseDurationNs('0.5')).toBe(5e8);
    expect(parseDurationNs('1m30s')).toBe(90e9);
    expect(parseDurationNs('1h')).toBe(3600e9);
    expect(parseDurationNs('-1')).toBe(-1e9);
  });
  it('refuses the rest with Prometheus messages', () => {
    expect(() => parseDurationNs('x')).toThrow('cannot parse "x" to a valid duration');
    expect(() => parseDurationNs('')).toThrow('cannot parse "" to a valid duration');
    expect(() => parseDurationNs('1e300')).toThrow('cannot parse "1e300" to a valid duration. It overflows int64');
  });
});

describe('Go number parsing', () => {
  it('parseGoFloat accepts what strconv.ParseFloat accepts', () => {
    expect(parseGoFloat('0x1p-2')).toBe(0.25);
    expect(parseGoFloat('inf')).toBe(Infinity);
    expect(parseGoFloat('-Infinity')).toBe(-Infinity);
    expect(parseGoFloat('.5')).toBe(0.5);
    expect(parseGoFloat('5.')).toBe(5);
    expect(parseGoFloat('0b1')).toBeUndefined();
    expect(parseGoFloat('')).toBeUndefined();
  });
  it('atoi has strconv.Atoi messages', () => {
    expect(atoi('+7')).toBe(7);
    expect(() => atoi('1.5')).toThrow('strconv.Atoi: parsing "1.5": invalid syntax');
    expect(() => atoi('99999999999999999999')).toThrow('strconv.Atoi: parsing "99999999999999999999": value out of range');
  });
});
