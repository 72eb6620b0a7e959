import { describe, expect, it } from 'vitest';
import { datasourceRef, migrateDashboard, rowsToPanels } from './schema-migrations.js';

const DS = [
  { uid: 'prom-uid', name: 'Prometheus', type: 'prometheus' },
  { uid: 'loki-uid', name: 'Loki', type: 'loki' },
];

describe('rowsToPanels', () => {
  it('lays out spans on the 24-column grid with row panels, wrapping and collapsed rows holding their panels', () => {
    const panels = rowsToPanels([
      { title: 'CPU', showTitle: true, height: '250px', panels: [{ id: 1, span: 6, type: 'graph' }, { id: 2, span: 6, type: 'graph' }, { id: 3, span: 4, type: 'singlestat' }] },
      { title: 'Hidden', collapse: true, height: 300, panels: [{ id: 4, span: 12, type: 'table' }] },
      { title: 'Last', height: 150, panels: [{ id: 5, span: 3 }] },
    ]);
    expect(panels.map((p) => [p.type ?? '-', p.gridPos])).toEqual([
      ['row', { x: 0, y: 0, w: 24, h: 1 }],
      ['graph', { x: 0, y: 1, w: 12, h: 7 }],
      ['graph', { x: 12, y: 1, w: 12, h: 7 }],
      ['singlestat', { x: 0, y: 8, w: 8, h: 7 }],
      ['row', { x: 0, y: 15, w: 24, h: 1 }],
      ['row', { x: 0, y: 16, w: 24, h: 1 }],
      ['-', { x: 0, y: 17, w: 6, h: 4 }],
    ]);
    expect(panels[4]).toMatchObject({ title: 'Hidden', collapsed: true });
    expect(panels[4].panels).toEqual([{ id: 4, type: 'table', gridPos: { x: 0, y: 16, w: 24, h: 8 } }]);
    expect(panels[1].span).toBeUndefined();
    // ids of row panels do not collide with panel ids
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  it('gives an old panel of a few pixels (315\'s `height: "1px"` singlestats) at least three cells, as Grafana does', () => {
    const panels = rowsToPanels([{ height: '250px', panels: [{ id: 1, span: 4, height: '180px' }, { id: 2, span: 2, height: '1px' }] }]);
    expect(panels.map((p) => p.gridPos)).toEqual([{ x: 0, y: 0, w: 8, h: 5 }, { x: 8, y: 0, w: 4, h: 3 }]);
  });

  it('adds no row panel for a single untitled row', () => {
    const panels = rowsToPanels([{ height: 250, panels: [{ id: 1, span: 12 }] }]);
    expect(panels).toEqual([{ id: 1, gridPos: { x: 0, y: 0, w: 24, h: 7 } }]);
  });
});

describe('migrateDashboard', () => {
  it('turns an old export (rows, graph, singlestat, datasource names) into the current model', () => {
    const old = {
      schemaVersion: 14,
      title: 'Old',
      rows: [
        {
          title: 'Row',
          panels: [
            { id: 1, span: 12, type: 'graph', datasource: 'Prometheus', targets: [{ expr: 'rate(x[5m])' }], yaxes: [{ format: 'bytes', min: 0, logBase: 2 }, { format: 'short' }], stack: true, fill: 3, legend: { show: true, alignAsTable: true, rightSide: true, max: true, current: true } },
            { id: 2, span: 6, type: 'singlestat', datasource: null, format: 'percent', decimals: 1, thresholds: '80,90', colors: ['green', 'orange', 'red'], valueName: 'current', colorBackground: true, sparkline: { show: true } },
            { id: 3, span: 6, type: 'singlestat', datasource: '$ds', gauge: { show: true, minValue: 0, maxValue: 100 }, valueName: 'max' },
          ],
        },
      ],
      templating: { list: [{ type: 'query', name: 'job', datasource: 'Loki', query: 'label_values(job)' }] },
    };
    const d = migrateDashboard(old, DS);
    expect(d.rows).toBeUndefined();
    expect(d.schemaVersion).toBe(16);
    const panels = d.panels as Record<string, unknown>[];
    expect(panels.map((p) => p.type)).toEqual(['timeseries', 'stat', 'gauge']);
    expect(panels[0]).toMatchObject({
      datasource: { type: 'prometheus', uid: 'prom-uid' },
      fieldConfig: { defaults: { unit: 'bytes', min: 0, custom: { stacking: { mode: 'normal' }, fillOpacity: 30, scaleDistribution: { type: 'log', log: 2 } } } },
      options: { legend: { displayMode: 'table', placement: 'right', calcs: ['max', 'lastNotNull'] } },
    });
    expect(panels[1]).toMatchObject({
      datasource: null,
      fieldConfig: { defaults: { unit: 'percent', decimals: 1, thresholds: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 80, color: 'orange' }, { value: 90, color: 'red' }] } } },
      options: { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'background', graphMode: 'area' },
    });
    expect(panels[2]).toMatchObject({ datasource: { uid: '$ds' }, fieldConfig: { defaults: { min: 0, max: 100 } }, options: { reduceOptions: { calcs: ['max'] } } });
    expect((d.templating as { list: unknown[] }).list[0]).toMatchObject({ datasource: { type: 'loki', uid: 'loki-uid' } });
    // the input is left as it was
    expect(old.rows).toHaveLength(1);
  });

  it('keeps a unitless singlestat\'s postfix or prefix as a custom unit', () => {
    const old = {
      schemaVersion: 12,
      rows: [{ panels: [{ id: 1, span: 4, type: 'singlestat', format: 'none', postfix: ' cores' }, { id: 2, span: 4, type: 'singlestat', prefix: '$' }, { id: 3, span: 4, type: 'singlestat', format: 'bytes', postfix: ' used' }] }],
    };
    const units = (migrateDashboard(old, DS).panels as { fieldConfig: { defaults: { unit?: string } } }[]).map((p) => p.fieldConfig.defaults.unit);
    expect(units).toEqual(['suffix: cores', 'prefix:$', 'bytes']);
  });

  it('leaves a current dashboard alone and migrates panels nested in collapsed rows', () => {
    const cur = { schemaVersion: 39, panels: [{ type: 'row', collapsed: true, panels: [{ type: 'graph', datasource: 'Loki' }] }, { type: 'timeseries', datasource: { type: 'prometheus', uid: 'x' } }] };
    const d = migrateDashboard(cur, DS);
    expect(d.schemaVersion).toBe(39);
    const panels = d.panels as { type: string; panels?: { type: string; datasource: unknown }[]; datasource?: unknown }[];
    expect(panels[0].panels![0]).toMatchObject({ type: 'timeseries', datasource: { type: 'loki', uid: 'loki-uid' } });
    expect(panels[1].datasource).toEqual({ type: 'prometheus', uid: 'x' });
  });

  it('maps datasource names, variables and special datasources', () => {
    expect(datasourceRef('Prometheus', DS)).toEqual({ type: 'prometheus', uid: 'prom-uid' });
    expect(datasourceRef('${DS_PROMETHEUS}', DS)).toEqual({ uid: '${DS_PROMETHEUS}' });
    expect(datasourceRef('-- Grafana --', DS)).toEqual({ type: 'datasource', uid: 'grafana' });
    expect(datasourceRef('gone', DS)).toEqual({ uid: 'gone' });
    expect(datasourceRef(null, DS)).toBeNull();
  });
});
