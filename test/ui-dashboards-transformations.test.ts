/** Grafana's transformations on data frames and field overrides, as the dashboard app applies them (pure modules). */
import { describe, expect, it } from 'vitest';
import { fieldConfigFor } from '../ui/src/dashboards/overrides.js';
import { applyTransformations, seriesFrames, tableFrames, type Frame, type SeriesData } from '../ui/src/dashboards/transformations.js';

/** Two series of query A (two pods) and one of query B, three points 15 s apart. */
const DATA: SeriesData = {
  xs: Float64Array.from([1000, 1015, 1030]),
  series: [
    { refId: 'A', name: 'web', labels: { pod: 'web', namespace: 'shop' }, values: [1, 2, 3] },
    { refId: 'A', name: 'db', labels: { pod: 'db', namespace: 'shop' }, values: [10, null, 30] },
    { refId: 'B', name: 'web limit', labels: { pod: 'web', namespace: 'shop' }, values: [4, 4, 4] },
  ],
};

/** A frame's fields as `{name: values}`, in order. */
const cols = (f: Frame) => Object.fromEntries(f.fields.map((x) => [x.name, x.values]));
const names = (f: Frame) => f.fields.map((x) => x.name);
const run = (frames: Frame[], id: string, options: Record<string, unknown> = {}) => applyTransformations(frames, [{ id, options }]).frames;

describe('frames from query results', () => {
  it('makes a frame per series (Time in ms, the legend-named values with labels) and Prometheus tables per query', () => {
    const frames = seriesFrames(DATA);
    expect(frames).toHaveLength(3);
    expect(frames[0]!.fields[0]).toEqual({ name: 'Time', type: 'time', values: [1_000_000, 1_015_000, 1_030_000] });
    expect(frames[1]!.fields[1]).toMatchObject({ name: 'db', type: 'number', values: [10, null, 30], labels: { pod: 'db' } });
    const tables = tableFrames(DATA);
    expect(tables.map((t) => t.refId)).toEqual(['A', 'B']);
    expect(cols(tables[0]!)).toEqual({ namespace: ['shop', 'shop'], pod: ['web', 'db'], 'Value #A': [3, 30] });
  });
});

describe('transformations', () => {
  it('organize drops, reorders and renames fields', () => {
    const [t] = run(tableFrames(DATA).slice(0, 1), 'organize', { excludeByName: { namespace: true }, indexByName: { 'Value #A': 0, pod: 1 }, renameByName: { pod: 'Pod', 'Value #A': 'CPU' } });
    expect(cols(t!)).toEqual({ CPU: [3, 30], Pod: ['web', 'db'] });
  });

  it('merge joins a row to an earlier one that agrees on every text column the row has (one more column on the earlier side)', () => {
    const a: Frame = { refId: 'A', fields: [{ name: 'job', type: 'string', values: ['prom', 'am'] }, { name: 'version', type: 'string', values: ['2.42', '0.25'] }, { name: 'Value #A', type: 'number', values: [1, 1] }] };
    const b: Frame = { refId: 'B', fields: [{ name: 'job', type: 'string', values: ['am', 'node'] }, { name: 'Value #B', type: 'number', values: [60, 90] }] };
    expect(cols(run([a, b], 'merge')[0]!)).toEqual({ job: ['prom', 'am', 'node'], version: ['2.42', '0.25', null], 'Value #A': [1, 1, null], 'Value #B': [null, 60, 90] });
  });

  it('merge joins the tables of several queries on their shared text columns', () => {
    const merged = run(tableFrames(DATA), 'merge');
    expect(merged).toHaveLength(1);
    expect(cols(merged[0]!)).toEqual({ namespace: ['shop', 'shop'], pod: ['web', 'db'], 'Value #A': [3, 30], 'Value #B': [4, null] });
  });

  it('reduce gives a row per series with a column per reducer, or reduces each field in place', () => {
    const [t] = run(seriesFrames(DATA), 'reduce', { reducers: ['max', 'mean', 'lastNotNull'] });
    expect(cols(t!)).toEqual({ Field: ['web', 'db', 'web limit'], Max: [3, 30, 4], Mean: [2, 20, 4], 'Last *': [3, 30, 4] });
    const [withLabels] = run(seriesFrames(DATA), 'reduce', { reducers: ['min'], labelsToFields: true });
    expect(names(withLabels!)).toEqual(['Field', 'namespace', 'pod', 'Min']);
    const fields = run(seriesFrames(DATA).slice(1, 2), 'reduce', { mode: 'reduceFields', reducers: ['sum', 'count'] });
    expect(cols(fields[0]!)).toEqual({ db: [40, 3] });
  });

  it('filterByValue keeps or drops rows on any or all conditions', () => {
    const table = run(tableFrames(DATA), 'merge');
    const over = (value: number) => ({ fieldName: 'Value #A', config: { id: 'greater', options: { value } } });
    expect(cols(run(table, 'filterByValue', { type: 'include', match: 'any', filters: [over(5)] })[0]!).pod).toEqual(['db']);
    expect(cols(run(table, 'filterByValue', { type: 'exclude', match: 'any', filters: [over(5)] })[0]!).pod).toEqual(['web']);
    const notNull = { fieldName: 'Value #B', config: { id: 'isNotNull', options: {} } };
    expect(cols(run(table, 'filterByValue', { type: 'include', match: 'all', filters: [over(1), notNull] })[0]!).pod).toEqual(['web']);
    expect(cols(run(table, 'filterByValue', { type: 'include', match: 'any', filters: [over(1), notNull] })[0]!).pod).toEqual(['web', 'db']);
    const regex = { fieldName: 'pod', config: { id: 'regex', options: { value: '^d' } } };
    expect(cols(run(table, 'filterByValue', { filters: [regex] })[0]!).pod).toEqual(['db']);
    const range = { fieldName: 'Value #A', config: { id: 'range', options: { from: 0, to: 10 } } };
    expect(cols(run(table, 'filterByValue', { filters: [range] })[0]!).pod).toEqual(['web']);
  });

  it('seriesToRows lists every point as Time, Metric, Value, newest first', () => {
    const [t] = run(seriesFrames(DATA).slice(0, 2), 'seriesToRows');
    expect(names(t!)).toEqual(['Time', 'Metric', 'Value']);
    expect(cols(t!).Metric).toEqual(['web', 'db', 'web', 'db', 'web', 'db']);
    expect(cols(t!).Value).toEqual([3, 30, 2, null, 1, 10]);
    expect(cols(t!).Time).toEqual([1_030_000, 1_030_000, 1_015_000, 1_015_000, 1_000_000, 1_000_000]);
  });

  it('labelsToFields turns labels into columns (or a label/value table), naming the value by a label if asked', () => {
    const [web] = run(seriesFrames(DATA).slice(0, 1), 'labelsToFields');
    expect(cols(web!)).toEqual({ Time: [1_000_000, 1_015_000, 1_030_000], pod: ['web', 'web', 'web'], namespace: ['shop', 'shop', 'shop'], Value: [1, 2, 3] });
    const [byPod] = run(seriesFrames(DATA).slice(0, 1), 'labelsToFields', { valueLabel: 'pod', keepLabels: ['pod', 'namespace'] });
    expect(names(byPod!)).toEqual(['Time', 'namespace', 'web']);
    const [rows] = run(seriesFrames(DATA).slice(1, 2), 'labelsToFields', { mode: 'rows' });
    expect(cols(rows!)).toEqual({ label: ['pod', 'namespace'], value: ['db', 'shop'] });
  });

  it('chains in order, skips disabled ones and names the ones it does not know', () => {
    const { frames, unsupported } = applyTransformations(tableFrames(DATA), [
      { id: 'merge' },
      { id: 'organize', options: { excludeByName: { namespace: true } }, disabled: true },
      { id: 'sortBy', options: {} },
      { id: 'organize', options: { renameByName: { 'Value #B': 'Limit' } } },
    ]);
    expect(names(frames[0]!)).toEqual(['namespace', 'pod', 'Value #A', 'Limit']);
    expect(unsupported).toEqual(['sortBy']);
  });
});

describe('field overrides', () => {
  const fc = {
    defaults: { unit: 'short', decimals: 1, custom: { lineWidth: 1 } },
    overrides: [
      { matcher: { id: 'byName', options: 'web limit' }, properties: [{ id: 'unit', value: 'bytes' }, { id: 'custom.lineWidth', value: 3 }] },
      { matcher: { id: 'byRegexp', options: '/^w/' }, properties: [{ id: 'displayName', value: 'W' }] },
      { matcher: { id: 'byRegexp', options: 'd.' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }] },
      { matcher: { id: 'byFrameRefID', options: 'B' }, properties: [{ id: 'decimals', value: 3 }] },
      { matcher: { id: 'byType', options: 'string' }, properties: [{ id: 'unit', value: 'none' }] },
    ],
  };

  it('lays matching overrides over the defaults, later ones winning', () => {
    expect(fieldConfigFor(fc, { name: 'web limit', refId: 'B', type: 'number' })).toEqual({ unit: 'bytes', decimals: 3, displayName: 'W', custom: { lineWidth: 3 } });
    // a bare regex matches the whole name (Grafana anchors it); /re/ does not
    expect(fieldConfigFor(fc, { name: 'db', refId: 'A', type: 'number' })).toEqual({ unit: 'short', decimals: 1, color: { mode: 'fixed', fixedColor: 'red' }, custom: { lineWidth: 1 } });
    expect(fieldConfigFor(fc, { name: 'xdb', refId: 'A', type: 'number' }).color).toBeUndefined();
    expect(fieldConfigFor(fc, { name: 'pod', type: 'string' }).unit).toBe('none');
    expect(fieldConfigFor(undefined, { name: 'x' })).toEqual({});
    // the panel's own config is left as it was
    expect(fc.defaults.custom).toEqual({ lineWidth: 1 });
  });
});
