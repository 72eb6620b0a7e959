/**
 * Grafana's query annotations (`dashboard.annotations.list`): a Prometheus query marks the time ranges where a series
 * is non-zero (one region per run, titled by `titleFormat`, text from `textFormat` with `{{label}}`); a Loki query
 * marks each log line. The built-in "Annotations & Alerts" entry (Grafana's own store) is skipped here. Pure.
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
}

export interface AnnotationEvent {
  /** Milliseconds; `end` for a region. */
  time: number;
  end?: number;
  title: string;
  text: string;
  color: string;
}

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
