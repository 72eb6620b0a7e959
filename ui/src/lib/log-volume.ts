import { levelOf, type LogLevel } from './logs.js';

/** A graph's aligned columns (structurally `GraphData` of prometheus.ts). */
interface GraphData {
  xs: Float64Array;
  series: { name: string; labels: Record<string, string>; values: (number | null)[]; color?: string }[];
}

/** Most severe first: the order of the volume chart's stack and legend. */
export const LEVEL_ORDER: LogLevel[] = ['critical', 'error', 'warning', 'info', 'debug', 'trace', 'unknown'];

/** Grafana's level colours. */
export const LEVEL_COLORS: Record<LogLevel, string> = {
  critical: '#a855f7',
  error: '#e24d42',
  warning: '#eab308',
  info: '#22c55e',
  debug: '#3b82f6',
  trace: '#6ed0e0',
  unknown: '#8e8e8e',
};

/**
 * The log-volume query of a log query, as Grafana's: the whole query (selector *and* its filters and parsers) counted
 * per step and split by the `level` label (a stream label, or one a parser in the query extracts). Lines without one
 * count as "unknown". (Not also `detected_level`: Sightline's Loki collapses `sum by (level, detected_level)` to one
 * series when no stream has `detected_level`.)
 */
export function logVolumeQuery(expr: string, stepSec: number): string {
  return `sum by (level) (count_over_time(${expr.trim()} [${stepSec}s]))`;
}

/** The volume's series merged per level (`warn` and `warning` are one), most severe first, in level colours. */
export function volumeByLevel(g: GraphData): GraphData {
  const byLevel = new Map<LogLevel, (number | null)[]>();
  for (const s of g.series) {
    const raw = s.labels.level ?? s.labels.detected_level;
    const level = (raw !== undefined ? levelOf(raw) : undefined) ?? 'unknown';
    const acc = byLevel.get(level);
    if (!acc) byLevel.set(level, [...s.values]);
    else s.values.forEach((v, i) => (acc[i] = v === null ? acc[i]! : (acc[i] ?? 0) + v));
  }
  return {
    xs: g.xs,
    series: LEVEL_ORDER.filter((l) => byLevel.has(l)).map((l) => ({ name: l, labels: { level: l }, values: byLevel.get(l)!, color: LEVEL_COLORS[l] })),
  };
}

/** All lines the volume counts. */
export function volumeTotal(g: GraphData): number {
  let n = 0;
  for (const s of g.series) for (const v of s.values) n += v ?? 0;
  return n;
}

/**
 * Ticks of a count axis (log volume: lines per bucket) from 0 to at least `max`: whole numbers only, at most five,
 * spaced 1, 2, 5, 10, 20, 25, 50, ... (uPlot's own spacing gives 0, 0.5, 1, ... or 0, 2.5, 5 for small counts).
 */
export function countAxisTicks(max: number): number[] {
  const top = Math.max(1, max);
  let incr = 1;
  for (let e = 0; ; e++) {
    const step = [1, 2, 5, 10, 20, 25, 50].map((m) => m * 10 ** e).find((s) => Math.ceil(top / s) <= 4);
    if (step !== undefined) {
      incr = step;
      break;
    }
  }
  const n = Math.ceil(top / incr);
  return Array.from({ length: n + 1 }, (_, i) => i * incr);
}
