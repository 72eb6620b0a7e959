import { describe, expect, it } from 'vitest';
import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, histogramFractionNative, histogramQuantileNative, trimHistogram } from './float-histogram.js';

function h(schema: number, pOff: number, pos: number[], extra: Partial<FloatHistogram> = {}): FloatHistogram {
  const x = new FloatHistogram();
  x.schema = schema;
  x.pOff = pOff;
  x.pos = pos;
  x.count = pos.reduce((a, b) => a + b, 0) + (extra.zeroCount ?? 0);
  return Object.assign(x, extra);
}

describe('FloatHistogram', () => {
  it('adds histograms of different schemas at the coarser schema', () => {
    const a = h(1, 1, [1, 2]); // buckets (1,√2], (√2,2]
    const b = h(0, 1, [4]); // bucket (1,2]
    const r = a.copy().add(b).compact();
    expect(r.schema).toBe(0);
    expect(r.pOff).toBe(1);
    expect(r.pos).toEqual([7]);
    expect(r.count).toBe(7);
  });

  it('detects counter resets from a decreasing bucket even when the count grows', () => {
    const prev = h(0, 0, [5, 1]);
    const cur = h(0, 0, [4, 10]);
    expect(cur.detectReset(prev)).toBe(true);
    expect(h(0, 0, [5, 2]).detectReset(prev)).toBe(false);
  });

  it('refuses to mix exponential and custom buckets', () => {
    const c = h(CUSTOM_BUCKETS_SCHEMA, 0, [1, 1], { customValues: [1] });
    expect(() => h(0, 0, [1]).add(c)).toThrow();
  });

  it('interpolates quantiles and fractions linearly in custom buckets', () => {
    const c = h(CUSTOM_BUCKETS_SCHEMA, 0, [0, 10, 10], { customValues: [0, 10] });
    expect(histogramQuantileNative(0.25, c)).toBeCloseTo(5);
    expect(histogramFractionNative(0, 5, c)).toBeCloseTo(0.25);
    expect(histogramQuantileNative(0.9, c)).toBe(10); // in the +Inf bucket: its lower bound
  });

  it('treats empty buckets as absent when comparing and compacting', () => {
    expect(h(0, 0, [0, 1, 0]).equals(h(0, 1, [1]))).toBe(true);
    expect(h(0, 0, [1, 0]).equals(h(0, 1, [1]))).toBe(false);
    const c = h(0, 0, [0, 1, 0]).compact();
    expect([c.pOff, c.pos]).toEqual([1, [1]]);
  });

  it('trims at a cutoff with interpolation and re-estimates the sum from bucket midpoints', () => {
    const c = h(CUSTOM_BUCKETS_SCHEMA, 0, [1, 6, 4, 3, 1], { customValues: [5, 10, 15, 20], sum: 172.5 });
    const below = trimHistogram(c, 13, true);
    expect(below.count).toBeCloseTo(9.4);
    expect(below.sum).toBeCloseTo(75.1); // 2.5·1 + 7.5·6 + 11.5·2.4
    expect(trimHistogram(c, Infinity, true).sum).toBe(172.5); // nothing cut: unchanged
    const e = h(0, 1, [4]); // (1,2]
    expect(trimHistogram(e, Math.SQRT2, true).pos[0]).toBeCloseTo(2); // half of the bucket on a log scale
  });

  it('reconciles differing custom bounds to the shared ones when adding', () => {
    FloatHistogram.reconciled = false;
    const a = h(CUSTOM_BUCKETS_SCHEMA, 0, [1, 2, 3], { customValues: [1, 2] });
    const b = h(CUSTOM_BUCKETS_SCHEMA, 0, [5, 5], { customValues: [2] });
    const r = a.copy().add(b);
    expect(r.customValues).toEqual([2]);
    expect(r.pos).toEqual([8, 8]);
    expect(FloatHistogram.reconciled).toBe(true);
  });
});
