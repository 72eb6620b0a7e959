import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../model/index.js';
import { formatFloatF, formatSampleValue, formatTimestamp } from './float-format.js';

describe('formatSampleValue (Prometheus jsonutil.MarshalFloat)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-1.5, '-1.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-6, '0.000001'],
    [1e-7, '1e-07'],
    [-2.5e-10, '-2.5e-10'],
    [123456789012345680000, '123456789012345680000'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
    [STALE_NAN, 'NaN'],
  ])('%s -> %s', (v, s) => {
    expect(formatSampleValue(v)).toBe(s);
  });
});

describe("formatFloatF (Go FormatFloat 'f', -1)", () => {
  it.each([
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1e-7, '0.0000001'],
    [-1.25e-8, '-0.0000000125'],
    [42, '42'],
    [-0, '-0'],
    [Infinity, '+Inf'],
    [NaN, 'NaN'],
  ])('%s -> %s', (v, s) => {
    expect(formatFloatF(v)).toBe(s);
  });
});

describe('formatTimestamp (Prometheus jsonutil.MarshalTimestamp)', () => {
  it.each([
    [0, '0'],
    [1000, '1'],
    [1435781451781, '1435781451.781'],
    [1500, '1.500'],
    [1050, '1.050'],
    [1001, '1.001'],
    [-1500, '-1.500'],
    [-5, '-0.005'],
  ])('%s ms -> %s', (ms, s) => {
    expect(formatTimestamp(ms)).toBe(s);
  });
});
