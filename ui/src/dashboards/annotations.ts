/**
 * Grafana's query annotations (`dashboard.annotations.list`): a Prometheus query marks the time ranges where a series
 * is non-zero (one region per run, titled by `titleFormat`, text from `textFormat` with `{{label}}`); a Loki query
 * marks each log line. The built-in "Annotations & Alerts" entry shows the annotations stored through
 * `/api/annotations` for the dashboard (`builtInEvents`): one made on a panel only on that panel. Pure.
 */
import type { LogRow } from '../lib/logs.js';
import type { DatasourceRef, Panel } from './model.js';

export interface AnnotationQuery {
  name?: string;
  enable?: boolean;
  hide?: boolean;
  builtIn?: number;
  datasource?: DatasourceRef | string | null;
  expr?: string;
  target?: { expr?: string };
  step?: string;
  titleFormat?: string;
  textFormat?: string;
  iconColor?: string;
  /** The built-in entry's `dashboard`. */
  type?: string;
}

export interface AnnotationEvent {
  /** Milliseconds; `end` for a region. */
  time: number;
  end?: number;
  title: string;
  text: string;
  color: string;
  /** A stored annotation made on a panel shows on that panel only. */
  panelId?: number;
  tags?: string[];
}

/** One annotation as `GET /api/annotations` answers it (the fields drawn). */
export interface StoredAnnotation {
  id: number;
  dashboardUID: string;
  panelId: number;
  time: number;
  timeEnd: number;
  text: string;
  tags: string[];
}

/** Grafana's built-in entry, which every dashboard has (Grafana adds it on load when the JSON has none). */
export const BUILT_IN_ANNOTATION: AnnotationQuery = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

/** The annotation list with Grafana's built-in entry first when it has none. */
export const withBuiltIn = (list: AnnotationQuery[]): AnnotationQuery[] => (list.some((a) => a.builtIn === 1) ? list : [BUILT_IN_ANNOTATION, ...list]);

/** The enabled built-in entry of the list, if any. */
export const builtInAnnotation = (list: AnnotationQuery[]): AnnotationQuery | undefined => withBuiltIn(list).find((a) => a.builtIn === 1 && a.enable !== false);

/** Stored annotations as marks in the built-in entry's colour: the text as title, regions when timeEnd > time. */
export function builtInEvents(a: AnnotationQuery, items: StoredAnnotation[]): AnnotationEvent[] {
  const color = a.iconColor ?? BUILT_IN_ANNOTATION.iconColor!;
  return items
    .map((x) => ({ time: x.time, ...(x.timeEnd > x.time ? { end: x.timeEnd } : {}), title: x.text, text: x.tags.join(', '), color, ...(x.panelId ? { panelId: x.panelId } : {}), tags: x.tags }))
    .sort((x, y) => x.time - y.time);
}

/** The marks a panel draws: every dashboard-wide one, and those made on this panel (as Grafana filters them). */
export const panelAnnotations = (events: AnnotationEvent[], panelId: number | undefined): AnnotationEvent[] => events.filter((e) => e.panelId === undefined || e.panelId === panelId);

/** Whether the entry is a query annotation to run (enabled, not the built-in one, with an expression). */
export const isQueryAnnotation = (a: AnnotationQuery) => a.enable !== false && a.builtIn !== 1 && Boolean(a.expr ?? a.target?.expr);

/** The annotation as a one-query panel, so it runs through the panels' query path (interval, variables, proxy). */
export function annotationPanel(a: AnnotationQuery): Panel {
  return { type: 'timeseries', datasource: a.datasource ?? null, interval: a.step, targets: [{ refId: 'Anno', expr: a.expr ?? a.target?.expr ?? '', legendFormat: a.titleFormat ?? '' }] };
}

const fill = (template: string, labels: Record<string, string>) => template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, k: string) => labels[k] ?? '');

/** Events from an annotation's answer: regions where each series is non-zero, and one event per log line. */
export function annotationEvents(a: AnnotationQuery, data: { xs: ArrayLike<number>; series: { name: string; labels: Record<string, string>; values: (number | null)[] }[]; logs: LogRow[] }): AnnotationEvent[] {
  const color = a.iconColor ?? 'rgba(0, 211, 255, 1)';
  const out: AnnotationEvent[] = [];
  for (const s of data.series) {
    const title = s.name || a.name || '';
    const text = a.textFormat ? fill(a.textFormat, s.labels) : '';
    let start = -1;
    for (let i = 0; i <= s.values.length; i++) {
      const on = i < s.values.length && s.values[i] !== null && s.values[i] !== 0;
      if (on && start < 0) start = i;
      if (!on && start >= 0) {
        const from = data.xs[start]! * 1000;
        const to = data.xs[i - 1]! * 1000;
        out.push({ time: from, ...(to > from ? { end: to } : {}), title, text, color });
        start = -1;
      }
    }
  }
  for (const row of data.logs) out.push({ time: row.timeMs, title: a.name ?? '', text: a.textFormat ? fill(a.textFormat, row.labels) || row.line : row.line, color });
  return out.sort((x, y) => x.time - y.time);
}
