/**
 * Alertmanager's time intervals (`time_intervals` / `mute_time_intervals` entries): times of day, weekdays, days of
 * the month (negative counts from the end), months, years, and a location (IANA zone, `UTC` or `Local`). Parsing
 * and validation messages follow Alertmanager 0.25's `timeinterval` package.
 */
export interface InclusiveRange {
  begin: number;
  end: number;
}

export interface TimeInterval {
  /** Minutes of the day, end exclusive. */
  times?: { startMinute: number; endMinute: number }[];
  weekdays?: InclusiveRange[];
  daysOfMonth?: InclusiveRange[];
  months?: InclusiveRange[];
  years?: InclusiveRange[];
  /** IANA zone name; undefined = UTC. */
  location?: string;
}

export class TimeIntervalError extends Error {
  override name = 'TimeIntervalError';
}

const DAYS: Record<string, number> = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 };
const MONTHS: Record<string, number> = {
  january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};
const MONTH_NAMES = Object.fromEntries(Object.entries(MONTHS).map(([k, v]) => [v, k]));

function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new TimeIntervalError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function parseRange(input: string, member: (s: string) => number): InclusiveRange {
  const s = input.toLowerCase();
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 2) throw new TimeIntervalError(`couldn't parse range ${s}, invalid format`);
    return { begin: member(parts[0]), end: member(parts[1]) };
  }
  const v = member(s);
  return { begin: v, end: v };
}

function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new TimeIntervalError(`cannot unmarshal ${JSON.stringify(v)} into string`);
}

export function parseWeekdayRange(v: unknown): InclusiveRange {
  const str = asString(v);
  const r = parseRange(str, (s) => {
    const d = DAYS[s];
    if (d === undefined) throw new TimeIntervalError(`${s} is not a valid weekday`);
    return d;
  });
  if (r.begin > r.end) throw new TimeIntervalError('start day cannot be before end day');
  return r;
}

export function parseDayOfMonthRange(v: unknown): InclusiveRange {
  const r = parseRange(asString(v), atoi);
  if (r.begin === 0 || r.begin < -31 || r.begin > 31) throw new TimeIntervalError(`${r.begin} is not a valid day of the month: out of range`);
  if (r.end === 0 || r.end < -31 || r.end > 31) throw new TimeIntervalError(`${r.end} is not a valid day of the month: out of range`);
  if (r.begin < 0 && r.end > 0) throw new TimeIntervalError('end day must be negative if start day is negative');
  const cb = r.begin < 0 ? 28 + r.begin : r.begin;
  const ce = r.end < 0 ? 28 + r.end : r.end;
  if (cb > ce) throw new TimeIntervalError(`end day ${r.end} is always before start day ${r.begin}`);
  return r;
}

export function parseMonthRange(v: unknown): InclusiveRange {
  const r = parseRange(asString(v), (s) => {
    const m = MONTHS[s];
    if (m !== undefined) return m;
    if (!/^[+-]?\d+$/.test(s)) throw new TimeIntervalError(`${s} is not a valid month`);
    return Number(s);
  });
  if (r.begin > r.end) throw new TimeIntervalError(`end month ${MONTH_NAMES[r.end] ?? ''} is before start month ${MONTH_NAMES[r.begin] ?? ''}`);
  return r;
}

export function parseYearRange(v: unknown): InclusiveRange {
  const r = parseRange(asString(v), atoi);
  if (r.begin > r.end) throw new TimeIntervalError(`end year ${r.end} is before start year ${r.begin}`);
  return r;
}

const VALID_TIME = /^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)/;

function parseTimeOfDay(s: string): number {
  if (!VALID_TIME.test(s)) throw new TimeIntervalError(`couldn't parse timestamp ${s}, invalid format`);
  const [h, m] = s.split(':').map(Number);
  return h * 60 + m;
}

export function parseTimeRange(v: unknown): { startMinute: number; endMinute: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TimeIntervalError('time range must be a mapping with start_time and end_time');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'start_time' && k !== 'end_time') throw new TimeIntervalError(`field ${k} not found in type timeinterval.yamlTimeRange`);
  const start = o.start_time === undefined || o.start_time === null ? '' : asString(o.start_time);
  const end = o.end_time === undefined || o.end_time === null ? '' : asString(o.end_time);
  if (start === '' || end === '') throw new TimeIntervalError('both start and end times must be provided');
  const s = parseTimeOfDay(start);
  const e = parseTimeOfDay(end);
  if (s >= e) throw new TimeIntervalError('start time cannot be equal or greater than end time');
  return { startMinute: s, endMinute: e };
}

export function parseLocation(v: unknown): string {
  const s = asString(v);
  if (s === '' || s === 'UTC') return 'UTC';
  const zone = s === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : s;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new TimeIntervalError(`unknown time zone ${s}`);
  }
  return zone;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minuteOfDay: number;
  daysInMonth: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(ms: number, zone: string): WallClock {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'long' });
    formatters.set(zone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  return {
    year,
    month,
    day: Number(parts.day),
    weekday: DAYS[parts.weekday.toLowerCase()],
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

function inAny(ranges: InclusiveRange[], v: number): boolean {
  for (const r of ranges) if (v >= r.begin && v <= r.end) return true;
  return false;
}

/** Whether the instant (ms since epoch) lies in the interval, as Alertmanager's `ContainsTime`. */
export function intervalContains(ti: TimeInterval, ms: number): boolean {
  const t = wallClock(ms, ti.location ?? 'UTC');
  if (ti.times && !ti.times.some((r) => t.minuteOfDay >= r.startMinute && t.minuteOfDay < r.endMinute)) return false;
  if (ti.daysOfMonth) {
    let found = false;
    for (const r of ti.daysOfMonth) {
      let begin = r.begin < 0 ? t.daysInMonth + r.begin + 1 : r.begin;
      let end = r.end < 0 ? t.daysInMonth + r.end + 1 : r.end;
      if (begin > t.daysInMonth) continue;
      begin = Math.min(Math.max(begin, -t.daysInMonth), t.daysInMonth);
      end = Math.min(Math.max(end, -t.daysInMonth), t.daysInMonth);
      if (t.day >= begin && t.day <= end) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  if (ti.months && !inAny(ti.months, t.month)) return false;
  if (ti.weekdays && !inAny(ti.weekdays, t.weekday)) return false;
  if (ti.years && !inAny(ti.years, t.year)) return false;
  return true;
}

/** Whether any of the intervals contains the instant. */
export function anyIntervalContains(tis: readonly TimeInterval[], ms: number): boolean {
  return tis.some((ti) => intervalContains(ti, ms));
}
