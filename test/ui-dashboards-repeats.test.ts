/** Grafana's panel repeats: copies per selected value, their places on the grid, the panels below moved (pure). */
import { describe, expect, it } from 'vitest';
import type { VariableValue } from '../ui/src/dashboards/interpolate.js';
import type { Panel } from '../ui/src/dashboards/model.js';
import { expandRepeats, repeatValues } from '../ui/src/dashboards/repeats.js';

const vars = (o: Record<string, VariableValue>) => new Map(Object.entries(o));
const pods: VariableValue = { value: ['a', 'b', 'c', 'd', 'e'], multi: true };
const all: VariableValue = { value: '$__all', isAll: true, options: ['x', 'y'] };

describe('panel repeats', () => {
  it('runs over the selected values, or every option for All', () => {
    expect(repeatValues(pods)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(repeatValues(all)).toEqual(['x', 'y']);
    expect(repeatValues({ value: 'one' })).toEqual(['one']);
    expect(repeatValues(undefined)).toEqual([]);
  });

  it('lays copies across (maxPerRow, wrapping) with the value scoped, and moves the panels below down', () => {
    const panels: Panel[] = [
      { id: 1, type: 'stat', title: 'CPU $pod', repeat: 'pod', maxPerRow: 3, gridPos: { x: 0, y: 0, w: 6, h: 4 } },
      { id: 2, type: 'timeseries', gridPos: { x: 0, y: 4, w: 24, h: 8 } },
    ];
    const out = expandRepeats(panels, vars({ pod: pods }));
    expect(out.map((p) => [p.id, p.scopedVars?.pod, p.gridPos])).toEqual([
      [1, 'a', { x: 0, y: 0, w: 8, h: 4 }],
      [3, 'b', { x: 8, y: 0, w: 8, h: 4 }],
      [4, 'c', { x: 16, y: 0, w: 8, h: 4 }],
      [5, 'd', { x: 0, y: 4, w: 8, h: 4 }],
      [6, 'e', { x: 8, y: 4, w: 8, h: 4 }],
      [2, undefined, { x: 0, y: 8, w: 24, h: 8 }],
    ]);
    expect(out[1]).toMatchObject({ repeatPanelId: 1, title: 'CPU $pod' });
    // the dashboard's own panels are left as they were
    expect(panels[1]!.gridPos!.y).toBe(4);
  });

  it('stacks copies down for repeatDirection v, and repeats inside rows; without values nothing changes', () => {
    const out = expandRepeats([{ id: 7, repeat: 'n', repeatDirection: 'v', gridPos: { x: 12, y: 2, w: 12, h: 5 } }], vars({ n: all }));
    expect(out.map((p) => p.gridPos)).toEqual([{ x: 12, y: 2, w: 12, h: 5 }, { x: 12, y: 7, w: 12, h: 5 }]);
    const rows = expandRepeats([{ id: 1, type: 'row', collapsed: true, panels: [{ id: 2, repeat: 'n', gridPos: { x: 0, y: 1, w: 24, h: 3 } }] }], vars({ n: all }));
    expect(rows[0]!.panels!.map((p) => p.scopedVars)).toEqual([{ n: 'x' }, { n: 'y' }]);
    const plain: Panel[] = [{ id: 1, repeat: 'missing' }];
    expect(expandRepeats(plain, vars({}))).toEqual(plain);
    expect(expandRepeats(plain, undefined)).toBe(plain);
  });

  it('copies a repeated row with the panels under it, each copy scoped to its value, and moves what follows', () => {
    const panels: Panel[] = [
      { id: 1, type: 'row', title: 'Node $n', repeat: 'n', gridPos: { x: 0, y: 0, w: 24, h: 1 } },
      { id: 2, type: 'stat', title: 'Load', gridPos: { x: 0, y: 1, w: 12, h: 4 } },
      { id: 3, type: 'stat', title: 'Memory', gridPos: { x: 12, y: 1, w: 12, h: 4 } },
      { id: 4, type: 'row', title: 'Other', gridPos: { x: 0, y: 5, w: 24, h: 1 } },
      { id: 5, type: 'timeseries', gridPos: { x: 0, y: 6, w: 24, h: 6 } },
    ];
    const out = expandRepeats(panels, vars({ n: all }));
    expect(out.map((p) => [p.id, p.title, p.scopedVars?.n, p.gridPos?.y])).toEqual([
      [1, 'Node $n', 'x', 0],
      [2, 'Load', 'x', 1],
      [3, 'Memory', 'x', 1],
      [6, 'Node $n', 'y', 5],
      [7, 'Load', 'y', 6],
      [8, 'Memory', 'y', 6],
      [4, 'Other', undefined, 10],
      [5, undefined, undefined, 11],
    ]);
    // a collapsed repeated row carries scoped copies of its panels
    const collapsed = expandRepeats([{ id: 1, type: 'row', collapsed: true, repeat: 'n', gridPos: { x: 0, y: 0, w: 24, h: 1 }, panels: [{ id: 2, gridPos: { x: 0, y: 1, w: 24, h: 3 } }] }], vars({ n: all }));
    expect(collapsed.map((r) => [r.gridPos?.y, r.panels?.map((c) => [c.id, c.scopedVars?.n, c.gridPos?.y])])).toEqual([
      [0, [[2, 'x', 1]]],
      [1, [[4, 'y', 2]]],
    ]);
  });
});
