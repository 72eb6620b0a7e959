/** Grafana's time notation: `now`, `now-1h`, `now-7d/d` (rounded), absolute dates, epoch milliseconds. */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 };

export class TimeParseError extends Error {
  override name = 'TimeParseError';
}

function roundTo(t: number, unit: string, up: boolean): number {
  const d = new Date(t);
  switch (unit) {
    case 'y':
      d.setMonth(0, 1);
      d.setHours(0, 0, 0, 0);
      if (up) d.setFullYear(d.getFullYear() + 1);
      break;
    case 'M':
      d.setDate(1);
      d.setHours(0, 0, 0, 0);
      if (up) d.setMonth(d.getMonth() + 1);
      break;
    case 'w': {
      d.setHours(0, 0, 0, 0);
      d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
      if (up) d.setDate(d.getDate() + 7);
      break;
    }
    case 'd':
      d.setHours(0, 0, 0, 0);
      if (up) d.setDate(d.getDate() + 1);
      break;
    case 'h':
      d.setMinutes(0, 0, 0);
      if (up) d.setHours(d.getHours() + 1);
      break;
    case 'm':
      d.setSeconds(0, 0);
      if (up) d.setMinutes(d.getMinutes() + 1);
      break;
    case 's':
      d.setMilliseconds(0);
      if (up) d.setSeconds(d.getSeconds() + 1);
      break;
    default:
      throw new TimeParseError(`unknown unit ${unit}`);
  }
  return up ? d.getTime() - 1 : d.getTime();
}

/**
 * Parse a time expression to epoch milliseconds. `roundUp` is for the end of a range (`now/d` as "to" means the end
 * of today, as in Grafana).
 */
export function parseTime(expr: string, now: number, roundUp = false): number {
  const s = expr.trim();
  if (s === '') throw new TimeParseError('empty time');
  if (s.startsWith('now')) {
    let t = now;
    let rest = s.slice(3);
    const re = /^([+-])(\d+)([smhdwMy])|^\/([smhdwMy])/;
    while (rest.length > 0) {
      const m = re.exec(rest);
      if (!m) throw new TimeParseError(`invalid relative time ${JSON.stringify(expr)}`);
      if (m[4]) t = roundTo(t, m[4], roundUp);
      else {
        const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
        const unit = m[3];
        if (unit === 'M' || unit === 'y') {
          const d = new Date(t);
          if (unit === 'M') d.setMonth(d.getMonth() + n);
          else d.setFullYear(d.getFullYear() + n);
          t = d.getTime();
        } else t += n * UNIT_MS[unit];
      }
      rest = rest.slice(m[0].length);
    }
    return t;
  }
  if (/^\d{10,}$/.test(s)) return Number(s);
  // `2024-01-02 10:00:00` (local time) or ISO 8601
  const iso = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/.test(s) ? s.replace(' ', 'T') : s;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new TimeParseError(`invalid time ${JSON.stringify(expr)}: use now-1h, an ISO date or epoch milliseconds`);
  return t;
}

export interface TimeRange {
  from: string;
  to: string;
}

export function resolveRange(r: TimeRange, now: number): { start: number; end: number } {
  const start = parseTime(r.from, now, false);
  const end = parseTime(r.to, now, true);
  if (start >= end) throw new TimeParseError('"From" must be before "To"');
  return { start, end };
}

const NICE_STEPS_MS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 7 * 86400].map((s) => s * 1000);

/** Grafana-like automatic step: about one point per pixel, rounded to a nice interval, never below `minMs`. */
export function autoStepMs(rangeMs: number, maxPoints: number, minMs = 1000): number {
  const raw = Math.max(rangeMs / Math.max(1, maxPoints), minMs, rangeMs / 11000);
  return NICE_STEPS_MS.find((s) => s >= raw) ?? Math.ceil(raw / 86400_000) * 86400_000;
}

/** A Prometheus duration (`30s`, `1m`, `1h30m`) in milliseconds, or undefined. */
export function parsePromDuration(s: string): number | undefined {
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(s.trim())) return undefined;
  const mult: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000, y: 365 * 86400_000 };
  let total = 0;
  for (const m of s.trim().matchAll(re)) total += Number(m[1]) * mult[m[2]];
  return total;
}

export const QUICK_RANGES: { label: string; from: string; to: string }[] = [
  { label: 'Last 5 minutes', from: 'now-5m', to: 'now' },
  { label: 'Last 15 minutes', from: 'now-15m', to: 'now' },
  { label: 'Last 30 minutes', from: 'now-30m', to: 'now' },
  { label: 'Last 1 hour', from: 'now-1h', to: 'now' },
  { label: 'Last 3 hours', from: 'now-3h', to: 'now' },
  { label: 'Last 6 hours', from: 'now-6h', to: 'now' },
  { label: 'Last 12 hours', from: 'now-12h', to: 'now' },
  { label: 'Last 24 hours', from: 'now-24h', to: 'now' },
  { label: 'Last 7 days', from: 'now-7d', to: 'now' },
  { label: 'Today so far', from: 'now/d', to: 'now' },
  { label: 'Yesterday', from: 'now-1d/d', to: 'now-1d/d' },
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A local time as `2026-11-24 15:37:42` (the seconds dropped when zero, `.123` added when there are milliseconds). */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sec = d.getSeconds() || d.getMilliseconds() ? `:${pad(d.getSeconds())}` : '';
  return date + sec + (d.getMilliseconds() ? `.${pad(d.getMilliseconds(), 3)}` : '');
}

/** One end of a range for people: `now-…` notation as written, epoch milliseconds and ISO times as a local date-time. */
function describeTime(expr: string): string {
  const t = expr.trim();
  if (t.startsWith('now')) return t;
  try {
    return formatDateTime(parseTime(t, Date.now()));
  } catch {
    return t;
  }
}

export function describeRange(r: TimeRange): string {
  const q = QUICK_RANGES.find((x) => x.from === r.from && x.to === r.to);
  if (q) return q.label;
  const from = describeTime(r.from);
  const to = describeTime(r.to);
  // the same day once: "2026-11-24 15:36 to 15:38:30"
  const sameDay = from.length > 10 && to.slice(0, 10) === from.slice(0, 10) && /^\d{4}-/.test(from);
  return `${from} to ${sameDay ? to.slice(11) : to}`;
}

/** How long ago a moment was: `12s ago`, `3m ago`, `2h ago`, `5d ago` (`never` for an invalid or zero time). */
export function formatAgo(ms: number, now = Date.now()): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
