/** Editing a dashboard's JSON (pure): new dashboard, panels placed on the grid, replaced and removed, variables. */
import { describe, expect, it } from 'vitest';
import { addPanel, freePosition, movePanel, newDashboard, nextPanelId, putVariable, removePanel, removeVariable, replacePanel, variableNameError } from '../ui/src/dashboards/editing.js';
import type { Dashboard } from '../ui/src/dashboards/model.js';

describe('dashboard editing', () => {
  it('places new panels beside the lowest line while they fit, else below everything', () => {
    expect(freePosition([], 12, 8)).toEqual({ x: 0, y: 0, w: 12, h: 8 });
    expect(freePosition([{ gridPos: { x: 0, y: 0, w: 12, h: 8 } }], 12, 8)).toEqual({ x: 12, y: 0, w: 12, h: 8 });
    expect(freePosition([{ gridPos: { x: 0, y: 0, w: 12, h: 8 } }, { gridPos: { x: 12, y: 0, w: 12, h: 8 } }], 12, 8)).toEqual({ x: 0, y: 8, w: 12, h: 8 });
    // a tall panel of the line above reaches into the lowest line's free space: below everything instead
    expect(freePosition([{ gridPos: { x: 0, y: 0, w: 8, h: 4 } }, { gridPos: { x: 16, y: 0, w: 8, h: 12 } }, { gridPos: { x: 0, y: 4, w: 8, h: 4 } }], 8, 4)).toEqual({ x: 0, y: 12, w: 8, h: 4 });
  });

  it('numbers panels after the largest id, rows included, and replaces or removes them by id', () => {
    const d: Dashboard = { ...newDashboard(), panels: [{ id: 3, type: 'timeseries', gridPos: { x: 0, y: 0, w: 24, h: 8 } }, { id: 4, type: 'row', collapsed: true, gridPos: { x: 0, y: 8, w: 24, h: 1 }, panels: [{ id: 9, type: 'stat' }] }] };
    expect(nextPanelId(d)).toBe(10);
    const { dashboard, panel } = addPanel(d, { type: 'stat', title: 'New', gridPos: { x: 5, y: 5, w: 6, h: 4 } });
    expect(panel).toEqual({ type: 'stat', title: 'New', id: 10, gridPos: { x: 0, y: 9, w: 6, h: 4 } });
    expect(dashboard.panels?.map((p) => p.id)).toEqual([3, 4, 10]);
    expect(d.panels).toHaveLength(2);
    const edited = replacePanel(dashboard, { id: 9, type: 'gauge', title: 'In row' });
    expect(edited.panels?.[1]?.panels).toEqual([{ id: 9, type: 'gauge', title: 'In row' }]);
    expect(removePanel(edited, 3).panels?.map((p) => p.id)).toEqual([4, 10]);
    expect(removePanel(edited, 9).panels?.[1]?.panels).toEqual([]);
  });

  it('adds, renames and removes variables, with Grafana\'s name rules', () => {
    let d = putVariable(newDashboard(), { name: 'job', type: 'query', query: 'label_values(job)' });
    d = putVariable(d, { name: 'env', type: 'custom', query: 'a,b' });
    expect(d.templating?.list?.map((v) => v.name)).toEqual(['job', 'env']);
    d = putVariable(d, { name: 'service', type: 'query', query: 'label_values(service)' }, 'job');
    expect(d.templating?.list?.map((v) => v.name)).toEqual(['service', 'env']);
    expect(variableNameError(d, 'env')).toBe('Variable with the same name already exists');
    expect(variableNameError(d, 'env', 'env')).toBe('');
    expect(variableNameError(d, '__x')).toMatch(/reserved/);
    expect(variableNameError(d, 'a b')).toBe('Only word characters are allowed in variable names');
    expect(removeVariable(d, 'env').templating?.list?.map((v) => v.name)).toEqual(['service']);
  });

  it('moves and resizes a panel, pushing the panels it covers down (and what they cover in turn)', () => {
    const d: Dashboard = {
      panels: [
        { id: 1, gridPos: { x: 0, y: 0, w: 12, h: 8 } },
        { id: 2, gridPos: { x: 12, y: 0, w: 12, h: 8 } },
        { id: 3, gridPos: { x: 12, y: 8, w: 12, h: 4 } },
        { id: 4, gridPos: { x: 0, y: 8, w: 6, h: 4 } },
      ],
    };
    const pos = (x: Dashboard) => x.panels?.map((p) => [p.id, p.gridPos]);
    // panel 1 grows to the full width: 2 goes below it, 3 below 2; 4 below 1
    expect(pos(movePanel(d, 1, { x: 0, y: 0, w: 24, h: 8 }))).toEqual([
      [1, { x: 0, y: 0, w: 24, h: 8 }],
      [2, { x: 12, y: 8, w: 12, h: 8 }],
      [3, { x: 12, y: 16, w: 12, h: 4 }],
      [4, { x: 0, y: 8, w: 6, h: 4 }],
    ]);
    // a move to free space touches nothing else; positions are kept inside the grid
    expect(pos(movePanel(d, 4, { x: 30, y: 20, w: 6, h: 4 }))?.[3]).toEqual([4, { x: 18, y: 20, w: 6, h: 4 }]);
    expect(pos(movePanel(d, 4, { x: 30, y: 20, w: 6, h: 4 }))?.slice(0, 3)).toEqual(pos(d)?.slice(0, 3));
    expect(d.panels?.[0]?.gridPos).toEqual({ x: 0, y: 0, w: 12, h: 8 });
  });
});
