import { describe, expect, it } from 'vitest';
import { Labels } from '../../../model/index.js';
import { MemoryStorage } from '../../storage-api/index.js';
import { Engine } from '../engine.js';
import { countResets, extrapolatedRate } from './rate.js';

/**
 * Prometheus's extrapolatedRate (promql/functions.go) over float counters: the window is (t - range, t]; a drop
 * between two samples of the window is a counter reset (the value before it is added back); a drop between the
 * last sample before the window and the first one inside is outside the window and is not counted.
 */
async function counter(points: [number, number][]): Promise<Engine> {
  const s = new MemoryStorage();
  const a = s.appender();
  const l = Labels.fromObject({ __name__: 'c_total' });
  for (const [t, v] of points) a.append(0, l, t * 1000, v);
  await a.commit();
  return new Engine(s);
}

async function instant(e: Engine, q: string, tSec: number): Promise<number | undefined> {
  const r = await e.instantQuery(q, tSec * 1000);
  if (r.value.type !== 'vector') throw new Error(`expected a vector, got ${r.value.type}`);
  return r.value.samples[0]?.v;
}

async function range(e: Engine, q: string, startSec: number, endSec: number, stepSec: number): Promise<Map<number, number>> {
  const r = await e.rangeQuery(q, startSec * 1000, endSec * 1000, stepSec * 1000);
  if (r.value.type !== 'matrix') throw new Error(`expected a matrix, got ${r.value.type}`);
  const out = new Map<number, number>();
  const s = r.value.series[0];
  if (s) for (let k = 0; k < s.t.length; k++) out.set(s.t[k] / 1000, s.v[k]);
  return out;
}

describe('rate/increase extrapolation with counter resets', () => {
  // 10 → 20 → 5 (reset) → 15 → 25 → 35, every 15 s.
  const points: [number, number][] = [
    [0, 10],
    [15, 20],
    [30, 5],
    [45, 15],
    [60, 25],
    [75, 35],
  ];

  it('adds back the value before a reset inside the window', async () => {
    const e = await counter(points);
    // (0, 60]: 20, 5, 15, 25: increase 5 + 20 (reset) = 25 over 45 s sampled, extrapolated 15 s to the start: x 60/45.
    expect(await instant(e, 'increase(c_total[1m])', 60)).toBeCloseTo((25 * 60) / 45, 9);
    expect(await instant(e, 'rate(c_total[1m])', 60)).toBeCloseTo((25 * 60) / 45 / 60, 9);
  });

  it('does not count a drop into the first sample of the window', async () => {
    const e = await counter(points);
    // (15, 75]: 5, 15, 25, 35: the drop 20 → 5 lies between 15 s and 30 s, before the window. Increase 30; the
    // zero point (45 s x 5/30 = 7.5 s before the first sample) is nearer than the range start (15 s).
    expect(await instant(e, 'increase(c_total[1m])', 75)).toBeCloseTo((30 * (45 + 7.5)) / 45, 9);
  });

  it('gives the same result per step of a range query as at a pinned evaluation time (@)', async () => {
    const e = await counter(points);
    for (const fn of ['rate', 'increase', 'delta']) {
      const byStep = await range(e, `${fn}(c_total[1m])`, 30, 90, 5);
      expect(byStep.size, fn).toBeGreaterThan(0);
      for (const [t, v] of byStep) expect(await instant(e, `${fn}(c_total[1m] @ ${t})`, t), `${fn} at ${t}`).toBe(v);
    }
  });

  it('treats delta as a gauge: no reset correction, no zero-point clamp', async () => {
    const e = await counter(points);
    // (0, 60]: 25 - 20 = 5, extrapolated 15 s to the start.
    expect(await instant(e, 'delta(c_total[1m])', 60)).toBeCloseTo((5 * 60) / 45, 9);
  });
});

describe('extrapolatedRate', () => {
  const t = Float64Array.from([0, 15_000, 30_000, 45_000, 60_000, 75_000]);
  const v = Float64Array.from([10, 20, 5, 15, 25, 35]);

  it('gives the same increase with and without the per-series reset counts, for every window', () => {
    const resets = countResets(v);
    for (let lo = 0; lo < v.length; lo++) {
      for (let hi = lo + 2; hi <= v.length; hi++) {
        const start = t[lo] - 15_000;
        const end = t[hi - 1];
        const a = extrapolatedRate(t, v, lo, hi, start, end, end - start, true, false, resets);
        const b = extrapolatedRate(t, v, lo, hi, start, end, end - start, true, false, undefined);
        expect(a, `[${lo}, ${hi})`).toBe(b);
      }
    }
  });

  it('counts the reset inside [lo, hi) and not the one into lo', () => {
    const resets = countResets(v);
    expect(Array.from(resets)).toEqual([0, 0, 1, 1, 1, 1]);
    // [2, 6): 5, 15, 25, 35 with the window starting at the previous sample: increase 30, no extrapolation at the end.
    expect(extrapolatedRate(t, v, 2, 6, 15_000, 75_000, 60_000, true, false, resets)).toBeCloseTo((30 * 52.5) / 45, 9);
    // [1, 5): 20, 5, 15, 25: increase 5 + 20.
    expect(extrapolatedRate(t, v, 1, 5, 0, 60_000, 60_000, true, false, resets)).toBeCloseTo((25 * 60) / 45, 9);
  });

  it('needs two samples', () => {
    expect(extrapolatedRate(t, v, 3, 4, 0, 60_000, 60_000, true, true, undefined)).toBeUndefined();
  });
});
