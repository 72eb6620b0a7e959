/** Grafana's query annotations: Prometheus regions where a series is non-zero, Loki lines as events (pure). */
import { describe, expect, it } from 'vitest';
import { annotationEvents, annotationPanel, BUILT_IN_ANNOTATION, builtInAnnotation, builtInEvents, isQueryAnnotation, panelAnnotations, withBuiltIn } from '../ui/src/dashboards/annotations.js';

describe('query annotations', () => {
  it('runs enabled entries with an expression, not the built-in one, as a one-query panel', () => {
    expect(isQueryAnnotation({ builtIn: 1, expr: 'x', enable: true })).toBe(false);
    expect(isQueryAnnotation({ expr: 'x', enable: false })).toBe(false);
    expect(isQueryAnnotation({ target: { expr: 'x' } })).toBe(true);
    expect(annotationPanel({ expr: 'ALERTS', step: '60s', titleFormat: '{{alertname}}', datasource: { uid: 'p' } })).toEqual({
      type: 'timeseries',
      datasource: { uid: 'p' },
      interval: '60s',
      targets: [{ refId: 'Anno', expr: 'ALERTS', legendFormat: '{{alertname}}' }],
    });
  });

  it('marks each run of non-zero values as a region, and each log line as an event', () => {
    const events = annotationEvents(
      { name: 'Deploys', titleFormat: '{{app}}', textFormat: 'version {{version}}', iconColor: 'red' },
      {
        xs: [100, 115, 130, 145, 160],
        series: [{ name: 'shop', labels: { app: 'shop', version: '2' }, values: [0, 1, 1, null, 1] }],
        logs: [{ tsNs: '120000000000', timeMs: 120_000, line: 'deployed shop v2', labels: { app: 'shop' }, level: 'info', seq: 0 }],
      },
    );
    expect(events).toEqual([
      { time: 115_000, end: 130_000, title: 'shop', text: 'version 2', color: 'red' },
      { time: 120_000, title: 'Deploys', text: 'version ', color: 'red' },
      { time: 160_000, title: 'shop', text: 'version 2', color: 'red' },
    ]);
    const plain = annotationEvents({ name: 'Logs' }, { xs: [], series: [], logs: [{ tsNs: '1', timeMs: 1, line: 'hello', labels: {}, level: 'unknown', seq: 0 }] });
    expect(plain).toEqual([{ time: 1, title: 'Logs', text: 'hello', color: 'rgba(0, 211, 255, 1)' }]);
  });

  it('adds the built-in entry when missing, and shows stored annotations on their panel or every panel', () => {
    expect(withBuiltIn([{ name: 'Deploys', expr: 'x' }])).toEqual([BUILT_IN_ANNOTATION, { name: 'Deploys', expr: 'x' }]);
    const own = { builtIn: 1, name: 'Mine', iconColor: 'red', enable: true };
    expect(withBuiltIn([own])).toEqual([own]);
    expect(builtInAnnotation([{ ...own, enable: false }])).toBeUndefined();
    const events = builtInEvents(builtInAnnotation([own])!, [
      { id: 1, dashboardUID: 'd', panelId: 2, time: 200, timeEnd: 200, text: 'on panel 2', tags: ['a', 'b'] },
      { id: 2, dashboardUID: 'd', panelId: 0, time: 100, timeEnd: 150, text: 'everywhere', tags: [] },
    ]);
    expect(events).toEqual([
      { time: 100, end: 150, title: 'everywhere', text: '', color: 'red', tags: [] },
      { time: 200, title: 'on panel 2', text: 'a, b', color: 'red', panelId: 2, tags: ['a', 'b'] },
    ]);
    expect(panelAnnotations(events, 2).map((e) => e.title)).toEqual(['everywhere', 'on panel 2']);
    expect(panelAnnotations(events, 3).map((e) => e.title)).toEqual(['everywhere']);
  });
});
