import type { FloatHistogram, Labels } from '../../model/index.js';
import { goQuote } from '../../lib/go-string.js';

/** Go's labels.Labels.String(): `{a="b", c="d"}`. */
export function goLabels(l: Labels): string {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}=${goQuote(v)}`));
  return `{${parts.join(', ')}}`;
}

/** Prometheus's FormatOpenMetricsFloat: integers get a `.0`. */
export function formatOpenMetricsFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  return Number.isInteger(v) && !/e/.test(s) ? `${s}.0` : s;
}

export function formatG(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, ex] = v.toExponential().split('e');
    const n = Number(ex);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

/** Go's `FloatHistogram.String()`: `{count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (0.5,1]:1}` (non-empty buckets). */
export function histogramString(h: FloatHistogram): string {
  let out = `{count:${formatG(h.count)}, sum:${formatG(h.sum)}`;
  for (const b of h.buckets()) {
    if (b.count === 0) continue;
    const neg = !b.zero && b.upper <= 0 && !h.usesCustomBuckets();
    const open = b.zero || neg ? '[' : '(';
    const close = b.zero ? ']' : neg ? ')' : ']';
    out += `, ${open}${formatG(b.lower)},${formatG(b.upper)}${close}:${formatG(b.count)}`;
  }
  return out + '}';
}
