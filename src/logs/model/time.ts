import { parseGoDurationOrError } from '../../lib/duration.js';

/**
 * Time helpers at the edges of the logs pillar. Internally timestamps are nanoseconds since the epoch (bigint).
 */

/** Go's `time.Time.String()` in UTC (`2024-01-02 03:04:05.123456789 +0000 UTC`), or RFC 3339 with nanoseconds. */
export function formatGoTime(ns: bigint, rfc3339 = false): string {
  const ms = Number(ns / 1_000_000n);
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) frac += 1_000_000_000n;
  const d = new Date(ms - (ms % 1000 + 1000) % 1000);
  const base = d.toISOString().slice(0, 19);
  let f = frac === 0n ? '' : '.' + String(frac).padStart(9, '0').replace(/0+$/, '');
  if (rfc3339) return `${base}${f}Z`;
  if (f === '.') f = '';
  return `${base.replace('T', ' ')}${f} +0000 UTC`;
}

/**
 * A time parameter as Loki's API accepts it: nanoseconds, seconds (with fraction) since the epoch, or RFC 3339.
 * Returns nanoseconds, or undefined when unparsable.
 */
export function parseTimeParam(s: string): bigint | undefined {
  if (/^-?\d+$/.test(s)) {
    // Loki: integers are nanoseconds... unless they look like seconds (fewer digits).
    // Loki: up to 10 digits are seconds, longer integers nanoseconds.
    const v = BigInt(s);
    return s.replace('-', '').length <= 10 ? v * 1_000_000_000n : v;
  }
  if (/^-?\d+\.\d+$/.test(s)) {
    const [i, f] = s.split('.');
    const frac = BigInt(f.slice(0, 9).padEnd(9, '0'));
    const sec = BigInt(i);
    return sec * 1_000_000_000n + (s.startsWith('-') ? -frac : frac);
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (m) {
    const ms = Date.parse(`${m[1]}${m[3]}`);
    if (Number.isNaN(ms)) return undefined;
    return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  }
  return undefined;
}

/** A Prometheus/Loki duration (`5m`, `1h30m`, `500ms`) or a number of seconds (`30`, `0.5`) to milliseconds. */
export function parseDurationParam(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/g;
  let total = 0;
  let consumed = 0;
  let m;
  while ((m = re.exec(s))) {
    if (m.index !== consumed) return undefined;
    consumed += m[0].length;
    const v = Number(m[1]);
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
    total += v * unit[m[2]];
  }
  if (consumed !== s.length || s === '') return undefined;
  return total;
}

/**
 * Go's `time.ParseDuration`, which Loki applies to label values in duration filters and `unwrap duration()`:
 * milliseconds, or the error text Go gives (`time: missing unit in duration "5"`).
 */
export const parseGoDuration = parseGoDurationOrError;
