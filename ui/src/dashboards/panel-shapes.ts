/**
 * The data shapes of the heatmap, state timeline, pie chart and bar chart panels, computed from query series. Pure.
 *
 * - Heatmap: Prometheus histogram buckets (series with an `le` label) become rows ordered by bound, the cumulative
 *   counts de-accumulated per bucket as Grafana's heatmap format does; other series are bucketed by value
 *   (`calculate`), `yBuckets` rows between their minimum and maximum.
 * - State timeline: each series a row of spans where its value (or mapped text) stays the same.
 * - Pie and bar charts: one reduced value per series.
 */
import { reduce } from './display.js';

/** A query series as these shapes need it. */
export interface PanelSeries {
  labels: Record<string, string>;
  values: (number | null)[];
}

export interface Heatmap {
  /** Row labels, lowest bucket first (`le` bounds, or the value range's lower bounds). */
  rows: string[];
  /** counts[row][column], aligned with the data's time points. */
  counts: number[][];
  max: number;
  /** True when built from `le` buckets. */
  buckets: boolean;
}

const leValue = (le: string) => (le === '+Inf' ? Infinity : Number(le));

/** Groups `le` series by their other labels and sums them, so several instances make one histogram. */
function bucketSeries(series: PanelSeries[]): { le: string; values: (number | null)[] }[] {
  const byLe = new Map<string, (number | null)[]>();
  for (const s of series) {
    const le = s.labels.le!;
    const acc = byLe.get(le);
    if (!acc) byLe.set(le, [...s.values]);
    else s.values.forEach((v, i) => (acc[i] = v === null ? acc[i]! : (acc[i] ?? 0) + v));
  }
  return [...byLe.entries()].map(([le, values]) => ({ le, values })).sort((a, b) => leValue(a.le) - leValue(b.le));
}

export function heatmapOf(series: PanelSeries[], points: number, yBuckets = 10): Heatmap {
  const withLe = series.filter((s) => s.labels.le !== undefined);
  if (withLe.length > 0) {
    const buckets = bucketSeries(withLe);
    const counts = buckets.map((b, r) => Array.from({ length: points }, (_, i) => Math.max(0, (b.values[i] ?? 0) - (r > 0 ? (buckets[r - 1]!.values[i] ?? 0) : 0))));
    return { rows: buckets.map((b) => b.le), counts, max: Math.max(0, ...counts.flat()), buckets: true };
  }
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  if (all.length === 0) return { rows: [], counts: [], max: 0, buckets: false };
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const n = hi === lo ? 1 : yBuckets;
  const size = (hi - lo) / n || 1;
  const counts = Array.from({ length: n }, () => new Array<number>(points).fill(0));
  for (const s of series) {
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      counts[Math.min(n - 1, Math.floor((v - lo) / size))]![i]!++;
    });
  }
  const rows = Array.from({ length: n }, (_, r) => String(+(lo + r * size).toPrecision(4)));
  return { rows, counts, max: Math.max(0, ...counts.flat()), buckets: false };
}

export interface StateSpan {
  /** Index of the first and one past the last point. */
  from: number;
  to: number;
  value: number | null;
}

/** Runs of equal values (nulls make their own runs, drawn empty). */
export function stateSpans(values: readonly (number | null)[]): StateSpan[] {
  const spans: StateSpan[] = [];
  values.forEach((v, i) => {
    const last = spans[spans.length - 1];
    if (last && (last.value === v || (Number.isNaN(last.value) && Number.isNaN(v)))) last.to = i + 1;
    else spans.push({ from: i, to: i + 1, value: v });
  });
  return spans;
}

export interface Slice {
  name: string;
  value: number;
  /** Share of the total, 0-1. */
  fraction: number;
}

/** One slice per series with a positive reduced value, largest first. */
export function pieSlices(series: { name: string; values: readonly (number | null)[] }[], calc: string): Slice[] {
  const vals = series.map((s) => ({ name: s.name, value: reduce(s.values, calc) ?? 0 })).filter((s) => s.value > 0);
  const total = vals.reduce((a, s) => a + s.value, 0);
  return vals.map((s) => ({ ...s, fraction: total ? s.value / total : 0 })).sort((a, b) => b.value - a.value);
}

/** An SVG path for a pie slice (or a donut segment when `inner` > 0) between two fractions of the circle. */
export function slicePath(cx: number, cy: number, r: number, inner: number, from: number, to: number): string {
  const at = (rad: number, f: number) => {
    const a = 2 * Math.PI * f - Math.PI / 2;
    return `${(cx + rad * Math.cos(a)).toFixed(2)},${(cy + rad * Math.sin(a)).toFixed(2)}`;
  };
  const span = Math.min(to - from, 0.99999);
  const large = span > 0.5 ? 1 : 0;
  const end = from + span;
  if (inner <= 0) return `M${cx},${cy}L${at(r, from)}A${r},${r} 0 ${large} 1 ${at(r, end)}Z`;
  return `M${at(r, from)}A${r},${r} 0 ${large} 1 ${at(r, end)}L${at(inner, end)}A${inner},${inner} 0 ${large} 0 ${at(inner, from)}Z`;
}
