import { parseDuration as parsePromDuration } from '../../config/index.js';
import { ApiError, badData, invalidParam } from './api-error.js';

/**
 * Request parameters with Go's `http.Request` form semantics: for POST (application/x-www-form-urlencoded) the
 * body's values come before the URL query's; `get` is `FormValue` (first value or ''), `all` is `Form[name]`.
 */
export class Params {
  constructor(
    private readonly body: URLSearchParams | undefined,
    private readonly query: URLSearchParams,
  ) {}

  get(name: string): string {
    const b = this.body?.get(name);
    if (b !== null && b !== undefined) return b;
    return this.query.get(name) ?? '';
  }

  all(name: string): string[] {
    const b = this.body ? this.body.getAll(name) : [];
    const q = this.query.getAll(name);
    return b.length === 0 ? q : q.length === 0 ? b : [...b, ...q];
  }

  /** Only the URL's query (Go's `r.URL.Query().Get`). */
  urlGet(name: string): string {
    return this.query.get(name) ?? '';
  }
}

/** Prometheus's `MinTime` / `MaxTime` (web/api/v1): the default range of metadata queries, in ms. */
export const MIN_TIME_MS = -9223309901257974 * 1000;
export const MAX_TIME_MS = 9223309901257974 * 1000 + 999;
/** Their RFC 3339 spellings, accepted as times (clients send them back). */
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^(?:[+-]?(?:inf|infinity)|nan)$/i;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;

/** Go's `strconv.ParseFloat(s, 64)`; undefined where Go returns an error (including out of range). */
export function parseGoFloat(s: string): number | undefined {
  if (DECIMAL_FLOAT.test(s)) {
    const v = Number(s);
    return Number.isFinite(v) ? v : undefined;
  }
  if (SPECIAL_FLOAT.test(s)) {
    const l = s.toLowerCase();
    return l === 'nan' ? NaN : l.startsWith('-') ? -Infinity : Infinity;
  }
  const h = HEX_FLOAT.exec(s);
  if (h && (h[2] !== '' || (h[3] ?? '') !== '')) {
    const frac = h[3] ?? '';
    const mant = parseInt((h[2] || '0') + frac, 16);
    const v = mant * Math.pow(2, Number(h[4]) - 4 * frac.length);
    if (!Number.isFinite(v)) return undefined;
    return h[1] === '-' ? -v : v;
  }
  return undefined;
}

/** Go's `math.Round`: half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, min, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || hour > 23 || min > 59 || sec > 59) return undefined;
  const daysIn = month === 2 ? (isLeap(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > daysIn) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, 0);
  let ms = d.getTime();
  if (m[7] !== undefined) ms += Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    ms -= (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * Prometheus's `parseTime`: Unix seconds as a float (rounded to ms) or RFC 3339 with optional fraction, returned
 * in ms. Throws the bare reason (`cannot parse "x" to a valid timestamp`); callers wrap it.
 */
export function parseTime(s: string): number {
  const f = parseGoFloat(s);
  if (f !== undefined) {
    if (f === Infinity) return MAX_TIME_MS;
    if (f === -Infinity) return MIN_TIME_MS;
    if (f === f) {
      const secs = Math.trunc(f);
      const nsec = Math.trunc((roundHalfAway((f - secs) * 1000) / 1000) * 1e9);
      return secs * 1000 + Math.floor(nsec / 1e6);
    }
  }
  const t = parseRfc3339(s);
  if (t !== undefined) return t;
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** Prometheus's `parseTimeParam`: the default when absent, else `invalid parameter "x": invalid time value for 'x': ...`. */
export function timeParam(p: Params, name: string, dflt: number): number {
  const v = p.get(name);
  if (v === '') return dflt;
  try {
    return parseTime(v);
  } catch (e) {
    throw invalidParam(name, `invalid time value for '${name}': ${(e as Error).message}`);
  }
}

/** A required time (query_range `start`/`end`): `invalid parameter "start": cannot parse "" to a valid timestamp`. */
export function requiredTimeParam(p: Params, name: string): number {
  try {
    return parseTime(p.get(name));
  } catch (e) {
    throw invalidParam(name, (e as Error).message);
  }
}

/** float64(math.MaxInt64) in Go is 2^63. */
const MAX_INT64_F = 2 ** 63;
const MAX_INT64_N = 9223372036854775807n;

/**
 * Prometheus's `parseDuration`: float seconds or a Prometheus duration (`5m`), returned in nanoseconds (a float;
 * exact for any duration a query can use). Throws the bare reason.
 */
export function parseDurationNs(s: string): number {
  const f = parseGoFloat(s);
  if (f !== undefined) {
    const ns = f * 1e9;
    if (ns > MAX_INT64_F || ns < -MAX_INT64_F || ns !== ns) throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    return Math.trunc(ns);
  }
  try {
    return parsePromDuration(s) * 1e6;
  } catch {
    throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}

const ATOI = /^[+-]?\d+$/;

/** Go's `strconv.Atoi` with its error text. */
export function atoi(s: string): number {
  if (!ATOI.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const big = BigInt(s);
  if (big > MAX_INT64_N || big < -MAX_INT64_N - 1n) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(big);
}

/** Prometheus's `parseLimitParam`: 0 when absent; non-negative. */
export function limitParam(p: Params): number {
  const s = p.get('limit');
  if (s === '') return 0;
  let n: number;
  try {
    n = atoi(s);
  } catch (e) {
    throw invalidParam('limit', (e as Error).message);
  }
  if (n < 0) throw invalidParam('limit', 'limit must be non-negative');
  return n;
}

/** The `limit`/`limit_per_metric` of the metadata endpoints: -1 when absent, `<name> must be a number` otherwise. */
export function numberParam(p: Params, name: string): number {
  const s = p.get(name);
  if (s === '') return -1;
  try {
    return atoi(s);
  } catch {
    throw badData(`${name} must be a number`);
  }
}

export { ApiError };
