/** The data shapes behind the heatmap, state timeline, pie chart and bar chart panels (pure module). */
import { describe, expect, it } from 'vitest';
import { heatmapOf, pieSlices, slicePath, stateSpans, type PanelSeries } from '../ui/src/dashboards/panel-shapes.js';

const s = (labels: Record<string, string>, values: (number | null)[]): PanelSeries => ({ labels, values });

describe('heatmap', () => {
  it('turns cumulative Prometheus `le` buckets into per-bucket counts, rows ordered by bound, instances summed', () => {
    const m = heatmapOf(
      [
        s({ le: '+Inf', instance: 'a' }, [10, 12]),
        s({ le: '0.1', instance: 'a' }, [4, 4]),
        s({ le: '1', instance: 'a' }, [9, 10]),
        s({ le: '0.1', instance: 'b' }, [1, null]),
        s({ le: '1', instance: 'b' }, [1, 2]),
        s({ le: '+Inf', instance: 'b' }, [1, 2]),
      ],
      2,
    );
    expect(m.buckets).toBe(true);
    expect(m.rows).toEqual(['0.1', '1', '+Inf']);
    // time 0: le=0.1 → 5; (0.1,1] → 10-5 = 5; (1,+Inf] → 11-10 = 1; time 1: 4, 12-4 = 8, 14-12 = 2
    expect(m.counts).toEqual([
      [5, 4],
      [5, 8],
      [1, 2],
    ]);
    expect(m.max).toBe(8);
  });

  it('buckets plain values per time point between their minimum and maximum', () => {
    const m = heatmapOf([s({ pod: 'a' }, [0, 5, null]), s({ pod: 'b' }, [10, 10, 2])], 3, 2);
    expect(m.buckets).toBe(false);
    expect(m.rows).toEqual(['0', '5']);
    expect(m.counts).toEqual([
      [1, 0, 1],
      [1, 2, 0],
    ]);
    expect(heatmapOf([s({}, [null])], 1).rows).toEqual([]);
    expect(heatmapOf([s({}, [3, 3])], 2).counts).toEqual([[1, 1]]);
  });
});

describe('state timeline', () => {
  it('merges runs of one value, nulls apart', () => {
    expect(stateSpans([1, 1, 0, null, null, 1])).toEqual([
      { from: 0, to: 2, value: 1 },
      { from: 2, to: 3, value: 0 },
      { from: 3, to: 5, value: null },
      { from: 5, to: 6, value: 1 },
    ]);
    expect(stateSpans([])).toEqual([]);
  });
});

describe('pie chart', () => {
  it('gives positive reduced values as shares, largest first, and paths for pie and donut slices', () => {
    const slices = pieSlices([{ name: 'a', values: [1, 3] }, { name: 'b', values: [1, 1] }, { name: 'zero', values: [0] }, { name: 'none', values: [null] }], 'lastNotNull');
    expect(slices).toEqual([
      { name: 'a', value: 3, fraction: 0.75 },
      { name: 'b', value: 1, fraction: 0.25 },
    ]);
    expect(slicePath(50, 50, 40, 0, 0, 0.25)).toBe('M50,50L50.00,10.00A40,40 0 0 1 90.00,50.00Z');
    expect(slicePath(50, 50, 40, 20, 0, 0.75)).toMatch(/^M50\.00,10\.00A40,40 0 1 1 10\.00,50\.00L30\.00,50\.00A20,20 0 1 0 50\.00,30\.00Z$/);
    // a whole circle still draws (an arc cannot end where it starts)
    expect(slicePath(50, 50, 40, 0, 0, 1)).toContain('A40,40 0 1 1');
  });
});
