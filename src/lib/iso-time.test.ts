import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('is toISOString for every date of years 0–9999', () => {
    const samples = [0, 1, 999, 1000, -1, -62167219200000, 253402300799999, Date.UTC(2026, 11, 7, 18, 40, 55, 123), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1969, 11, 31, 23, 59, 59, 1)];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      samples.push(Math.floor((x / 2147483648) * 253402300799999 * 1.1) - 62167219200000 * 0.05);
    }
    for (const ms of samples) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it("leaves ISO's expanded years and invalid dates to toISOString", () => {
    expect(isoTime(253402300800000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoTime(-62167219200001)).toBe('-000001-12-31T23:59:59.999Z');
    expect(() => isoTime(NaN)).toThrow(RangeError);
  });
});
