import { describe, expect, it } from 'vitest';
import { sortSliced } from './sliced-sort.js';
import { TimeSlicer } from './time-slice.js';

describe('sortSliced', () => {
  it('sorts like Array.sort, stably, at every size around the run length', async () => {
    for (const n of [0, 1, 7, 511, 512, 513, 1024, 1500, 5000]) {
      const items = Array.from({ length: n }, (_, i) => ({ k: (i * 7919) % 97, i }));
      const cmp = (a: { k: number }, b: { k: number }) => a.k - b.k;
      const got = await sortSliced(items, cmp, new TimeSlicer(0, 1, null));
      expect(got, String(n)).toEqual([...items].sort(cmp));
      // Stable: equal keys keep their input order.
      for (let j = 1; j < got.length; j++) if (got[j].k === got[j - 1].k) expect(got[j].i).toBeGreaterThan(got[j - 1].i);
    }
  });

  it('lets timers run while it sorts', async () => {
    const items = Array.from({ length: 200_000 }, (_, i) => String((i * 2654435761) % 1_000_003));
    let ticks = 0;
    const iv = setInterval(() => ticks++, 1);
    try {
      const got = await sortSliced(items, (a, b) => (a < b ? -1 : a > b ? 1 : 0), new TimeSlicer(2, 64, null));
      expect(got.length).toBe(items.length);
      for (let j = 1; j < got.length; j++) expect(got[j - 1] <= got[j]).toBe(true);
    } finally {
      clearInterval(iv);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
