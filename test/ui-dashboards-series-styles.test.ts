/** Field overrides on time series panels: each series' look resolved from defaults and matching overrides (pure). */
import { describe, expect, it } from 'vitest';
import { seriesStyles } from '../ui/src/dashboards/series-styles.js';
import { withAlpha } from '../ui/src/lib/color.js';
import type { Panel } from '../ui/src/dashboards/model.js';

const panel = (overrides: unknown[], defaults: object = {}): Panel => ({ type: 'timeseries', fieldConfig: { defaults: { unit: 'bytes', custom: { drawStyle: 'line', fillOpacity: 10 }, ...defaults }, overrides } });
const series = [
  { name: 'received', refId: 'A' },
  { name: 'transmitted', refId: 'A' },
  { name: 'errors eth0', refId: 'B' },
  { name: 'errors lo', refId: 'B' },
];

describe('time series field overrides', () => {
  it('gives every series the defaults when nothing matches', () => {
    expect(seriesStyles(panel([]), series.slice(0, 1))).toEqual([{ name: 'received', unit: 'bytes', axis: 'left', draw: 'line', fillOpacity: 0.1, negativeY: false }]);
  });

  it('applies byName, byRegexp, byFrameRefID and byType overrides in order, later ones winning', () => {
    const styles = seriesStyles(
      panel([
        // Grafana's "mirror" network graph: transmitted below zero, with its own colour and name
        { matcher: { id: 'byName', options: 'transmitted' }, properties: [{ id: 'custom.transform', value: 'negative-Y' }, { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }, { id: 'displayName', value: 'sent' }] },
        // errors (query B) on a right axis, as points, counted
        { matcher: { id: 'byFrameRefID', options: 'B' }, properties: [{ id: 'custom.axisPlacement', value: 'right' }, { id: 'unit', value: 'short' }, { id: 'custom.drawStyle', value: 'points' }, { id: 'decimals', value: 0 }] },
        // a bare regex is anchored: "errors lo" only, not "errors eth0"
        { matcher: { id: 'byRegexp', options: 'errors l.' }, properties: [{ id: 'custom.axisPlacement', value: 'hidden' }, { id: 'custom.fillOpacity', value: 80 }] },
        { matcher: { id: 'byRegexp', options: '/^RECEIVED$/i' }, properties: [{ id: 'custom.drawStyle', value: 'bars' }, { id: 'color', value: { mode: 'fixed', fixedColor: '#00ff00' } }] },
        // every numeric field: a fill, overridden again below for received
        { matcher: { id: 'byType', options: 'number' }, properties: [{ id: 'custom.fillOpacity', value: 30 }] },
        { matcher: { id: 'byName', options: 'received' }, properties: [{ id: 'custom.fillOpacity', value: 150 }] },
      ]),
      series,
    );
    expect(styles).toEqual([
      { name: 'received', color: '#00ff00', unit: 'bytes', axis: 'left', draw: 'bars', fillOpacity: 1, negativeY: false },
      { name: 'sent', color: '#F2495C', unit: 'bytes', axis: 'left', draw: 'line', fillOpacity: 0.3, negativeY: true },
      { name: 'errors eth0', unit: 'short', decimals: 0, axis: 'right', draw: 'points', fillOpacity: 0.3, negativeY: false },
      { name: 'errors lo', unit: 'short', decimals: 0, axis: 'hidden', draw: 'points', fillOpacity: 0.3, negativeY: false },
    ]);
  });

  it('ignores unknown values, matchers that do not apply, and palette colour modes', () => {
    const styles = seriesStyles(
      panel([
        { matcher: { id: 'byName', options: 'nope' }, properties: [{ id: 'unit', value: 'percent' }] },
        { matcher: { id: 'byValue', options: {} }, properties: [{ id: 'unit', value: 'percent' }] },
        { matcher: { id: 'byName', options: 'received' }, properties: [{ id: 'custom.axisPlacement', value: 'top' }, { id: 'custom.drawStyle', value: 'area' }, { id: 'color', value: { mode: 'palette-classic', fixedColor: 'red' } }] },
      ]),
      series.slice(0, 1),
    );
    expect(styles).toEqual([{ name: 'received', unit: 'bytes', axis: 'left', draw: 'line', fillOpacity: 0.1, negativeY: false }]);
  });

  it('makes fills from hex and rgb colours', () => {
    expect(withAlpha('#F2495C', 0.5)).toBe('rgba(242, 73, 92, 0.5)');
    expect(withAlpha('#0f0', 1)).toBe('rgba(0, 255, 0, 1)');
    expect(withAlpha('rgb(1, 2, 3)', 0.25)).toBe('rgba(1, 2, 3, 0.25)');
    expect(withAlpha('transparent', 0.5)).toBe('transparent');
  });
});
