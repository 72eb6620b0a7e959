/** Editing a dashboard's JSON (pure): new dashboard, panels placed on the grid, replaced and removed, variables. */
import { describe, expect, it } from 'vitest';
import { addPanel, freePosition, moveLink, movePanel, newDashboard, nextPanelId, putLink, putVariable, removeLink, removePanel, removeVariable, replacePanel, variableNameError } from '../ui/src/dashboards/editing.js';
import { jsonModelText, parseJsonModel } from '../ui/src/dashboards/json-model.js';
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

  it('adds, replaces, removes and reorders dashboard links, keeping the input unchanged', () => {
    const a = { type: 'link', title: 'A', url: '/a' };
    const b = { type: 'link', title: 'B', url: '/b' };
    const c = { type: 'dashboards', title: 'C', tags: ['x'] };
    const d0 = newDashboard();
    const d = putLink(putLink(putLink(d0, a), b), c);
    expect(d0.links).toBeUndefined();
    expect((d.links as { title: string }[]).map((l) => l.title)).toEqual(['A', 'B', 'C']);
    expect((putLink(d, { ...b, title: 'B2' }, 1).links as { title: string }[]).map((l) => l.title)).toEqual(['A', 'B2', 'C']);
    expect((removeLink(d, 0).links as { title: string }[]).map((l) => l.title)).toEqual(['B', 'C']);
    expect((moveLink(d, 2, -1).links as { title: string }[]).map((l) => l.title)).toEqual(['A', 'C', 'B']);
    expect((moveLink(d, 0, 1).links as { title: string }[]).map((l) => l.title)).toEqual(['B', 'A', 'C']);
    // past either end: unchanged
    expect(moveLink(d, 0, -1)).toBe(d);
    expect(moveLink(d, 2, 1)).toBe(d);
  });

  it('reads the JSON model back through the load migrations, or says why it cannot', () => {
    const ds = [{ uid: 'prom1', name: 'Prometheus', type: 'prometheus', isDefault: true }];
    const d: Dashboard = { ...newDashboard(), uid: 'u1', title: 'T', panels: [{ id: 1, type: 'stat', title: 'S', gridPos: { x: 0, y: 0, w: 6, h: 4 } }] };
    expect(parseJsonModel(jsonModelText(d), ds)).toEqual({ dashboard: d });
    expect(parseJsonModel('{"title": "T",', ds).error).toMatch(/^Invalid JSON: /);
    expect(parseJsonModel('[1]', ds).error).toBe('The dashboard JSON must be an object');
    expect(parseJsonModel('{"panels": {}}', ds).error).toBe('"panels" must be an array');
    expect(parseJsonModel('{"title": 3}', ds).error).toBe('"title" must be a string');
    // an old panel type and a datasource by name come out as the app loads them
    const old = parseJsonModel(JSON.stringify({ title: 'Old', schemaVersion: 30, panels: [{ id: 1, type: 'singlestat', datasource: 'Prometheus', gridPos: { x: 0, y: 0, w: 6, h: 4 }, targets: [{ expr: 'up' }] }] }), ds);
    expect(old.error).toBeUndefined();
    const p = (old as { dashboard: Dashboard }).dashboard.panels![0]!;
    expect(p.type).toBe('stat');
    expect(p.datasource).toEqual({ type: 'prometheus', uid: 'prom1' });
  });
});
