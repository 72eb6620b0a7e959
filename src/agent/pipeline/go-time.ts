/**
 * Go reference-time layouts (`2006-01-02T15:04:05Z07:00`), as Promtail's `timestamp` stage reads them: the named
 * layouts (RFC3339, RFC3339Nano, ANSIC, ...), Promtail's `Unix`, `UnixMs`, `UnixUs`, `UnixNs`, and any custom layout.
 * A parsed time is milliseconds since the epoch plus nanoseconds within the millisecond.
 */

export interface ParsedTime {
  ms: number;
  ns: number;
}

const NAMED: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const LONG_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

type Field = 'year' | 'year2' | 'month' | 'monthName' | 'day' | 'hour' | 'hour12' | 'minute' | 'second' | 'frac' | 'pm' | 'tz' | 'tzName' | 'skip';

/** Go layout tokens, longest first, with the regex each one matches and the field it sets. */
const TOKENS: Array<[string, string, Field]> = [
  ['January', '([A-Za-z]+)', 'monthName'],
  ['Monday', '[A-Za-z]+', 'skip'],
  ['2006', '([+-]?\\d{4})', 'year'],
  ['Z07:00', '(Z|[+-]\\d{2}:\\d{2})', 'tz'],
  ['-07:00', '([+-]\\d{2}:\\d{2})', 'tz'],
  ['Z0700', '(Z|[+-]\\d{4})', 'tz'],
  ['-0700', '([+-]\\d{4})', 'tz'],
  ['Z07', '(Z|[+-]\\d{2})', 'tz'],
  ['-07', '([+-]\\d{2})', 'tz'],
  ['Jan', '([A-Za-z]{3})', 'monthName'],
  ['Mon', '[A-Za-z]{3}', 'skip'],
  ['MST', '([A-Z]{3,5}|[+-]\\d{2,4})', 'tzName'],
  ['_2', '[ ]?(\\d{1,2})', 'day'],
  ['01', '(\\d{2})', 'month'],
  ['02', '(\\d{2})', 'day'],
  ['03', '(\\d{2})', 'hour12'],
  ['04', '(\\d{2})', 'minute'],
  ['05', '(\\d{2})', 'second'],
  ['06', '(\\d{2})', 'year2'],
  ['15', '(\\d{1,2})', 'hour'],
  ['PM', '(AM|PM|am|pm)', 'pm'],
  ['pm', '(am|pm|AM|PM)', 'pm'],
  ['1', '(\\d{1,2})', 'month'],
  ['2', '(\\d{1,2})', 'day'],
  ['3', '(\\d{1,2})', 'hour12'],
  ['4', '(\\d{1,2})', 'minute'],
  ['5', '(\\d{1,2})', 'second'],
];

export interface TimeParser {
  parse(s: string): ParsedTime | undefined;
}

/** Compile a layout; `location` is an IANA zone used when the layout has no offset (default UTC). */
export function compileTimeLayout(layout: string, location?: string): TimeParser {
  if (layout === 'Unix' || layout === 'UnixMs' || layout === 'UnixUs' || layout === 'UnixNs') return unixParser(layout);
  if (layout === 'RFC3339' || layout === 'RFC3339Nano') {
    return { parse: (s) => parseRfc3339(s) ?? RFC3339_GENERAL.parse(s) };
  }
  const l = NAMED[layout] ?? layout;
  let src = '';
  const fields: Field[] = [];
  for (let i = 0; i < l.length; ) {
    // Fractional seconds: ".000" (fixed) or ".999" (optional), also after a comma.
    const frac = /^[.,](0+|9+)/.exec(l.slice(i));
    if (frac && i > 0 && /\d/.test(l[i - 1] ?? '')) {
      src += frac[1][0] === '0' ? `[.,](\\d{${frac[1].length}})` : '(?:[.,](\\d+))?';
      fields.push('frac');
      i += frac[0].length;
      continue;
    }
    const tok = TOKENS.find(([t]) => l.startsWith(t, i));
    if (tok) {
      src += tok[1];
      if (tok[2] !== 'skip') fields.push(tok[2]);
      i += tok[0].length;
      // Go accepts a fraction after the seconds even when the layout has none.
      if (tok[2] === 'second' && !/^[.,](0+|9+)/.test(l.slice(i))) {
        src += '(?:[.,](\\d+))?';
        fields.push('frac');
      }
      continue;
    }
    src += l[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    i++;
  }
  const re = new RegExp(`^${src}$`);
  return {
    parse(s: string): ParsedTime | undefined {
      const m = re.exec(s.trim());
      if (!m) return undefined;
      let year = 1970;
      let month = 1;
      let day = 1;
      let hour = 0;
      let minute = 0;
      let second = 0;
      let fracNs = 0;
      let pm: boolean | undefined;
      let offsetMin: number | undefined;
      let gi = 1;
      let hasYear = false;
      for (const f of fields) {
        const v = m[gi++];
        if (v === undefined) continue;
        switch (f) {
          case 'year':
            year = Number(v);
            hasYear = true;
            break;
          case 'year2':
            year = Number(v) + (Number(v) >= 69 ? 1900 : 2000);
            hasYear = true;
            break;
          case 'month':
            month = Number(v);
            break;
          case 'monthName': {
            const lv = v.toLowerCase();
            const k = lv.length === 3 ? MONTHS.indexOf(lv) : LONG_MONTHS.indexOf(lv);
            if (k < 0) return undefined;
            month = k + 1;
            break;
          }
          case 'day':
            day = Number(v);
            break;
          case 'hour':
          case 'hour12':
            hour = Number(v);
            break;
          case 'minute':
            minute = Number(v);
            break;
          case 'second':
            second = Number(v);
            break;
          case 'frac':
            fracNs = Number(v.slice(0, 9).padEnd(9, '0'));
            break;
          case 'pm':
            pm = v.toLowerCase() === 'pm';
            break;
          case 'tz':
            offsetMin = v === 'Z' ? 0 : parseOffset(v);
            break;
          case 'tzName':
            offsetMin = /^[+-]/.test(v) ? parseOffset(v) : v === 'UTC' || v === 'GMT' ? 0 : undefined;
            break;
          default:
            break;
        }
      }
      if (pm !== undefined) {
        if (hour === 12) hour = 0;
        if (pm) hour += 12;
      }
      if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
      // Go: a layout without a year parses as year 0; Promtail then sets the current year.
      if (!hasYear) year = new Date().getUTCFullYear();
      const utc = Date.UTC(year, month - 1, day, hour, minute, second);
      let ms = utc;
      if (offsetMin !== undefined) ms -= offsetMin * 60_000;
      else if (location) ms -= zoneOffsetMinutes(location, utc) * 60_000;
      return { ms: ms + Math.floor(fracNs / 1e6), ns: fracNs % 1e6 };
    },
  };
}

function parseOffset(v: string): number {
  const sign = v[0] === '-' ? -1 : 1;
  const d = v.slice(1).replace(':', '');
  const h = Number(d.slice(0, 2));
  const m = d.length > 2 ? Number(d.slice(2, 4)) : 0;
  return sign * (h * 60 + m);
}

/** The UTC offset of an IANA zone at a wall-clock instant (minutes east). */
function zoneOffsetMinutes(zone: string, wallUtcMs: number): number {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(wallUtcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - wallUtcMs) / 60_000);
}

function unixParser(kind: string): TimeParser {
  return {
    parse(s: string): ParsedTime | undefined {
      const t = s.trim();
      if (kind === 'Unix') {
        const m = /^(-?\d+)(?:\.(\d+))?$/.exec(t);
        if (!m) return undefined;
        const ns = Number((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
        return { ms: Number(m[1]) * 1000 + Math.floor(ns / 1e6), ns: ns % 1e6 };
      }
      if (!/^-?\d+$/.test(t)) return undefined;
      const v = BigInt(t);
      const nsTotal = kind === 'UnixMs' ? v * 1_000_000n : kind === 'UnixUs' ? v * 1000n : v;
      return { ms: Number(nsTotal / 1_000_000n), ns: Number(nsTotal % 1_000_000n) };
    },
  };
}

/** The text being parsed: a string, or bytes `src[srcOff..)` (ASCII) — module state, so no closure per call. */
let srcStr = '';
let srcBuf: Uint8Array | undefined;
let srcOff = 0;
function code(i: number): number {
  return srcBuf !== undefined ? srcBuf[srcOff + i] : srcStr.charCodeAt(i);
}
/** The decimal digit at `i` (NaN-free: a non-digit gives a value outside 0..9). */
function d(i: number): number {
  return code(i) - 48;
}
let lastDay = -1;
let lastDayMs = 0;
/** The result of the last successful `strictRfc3339` (no object per parse). */
let parsedMs = 0;
let parsedNs = 0;

/** RFC 3339 in the strict form (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`) of the source set above, `n` long. */
function strictRfc3339(n: number): boolean {
  if (n < 20 || code(4) !== 45 || code(7) !== 45 || code(10) !== 84 || code(13) !== 58 || code(16) !== 58) return false;
  const y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const mo = d(5) * 10 + d(6);
  const dd = d(8) * 10 + d(9);
  const day = y * 10000 + mo * 100 + dd;
  if (day !== lastDay) {
    if (!(y >= 0 && y <= 9999) || !(mo >= 1 && mo <= 12) || !(dd >= 1 && dd <= 31)) return false;
    for (const k of [0, 1, 2, 3, 5, 6, 8, 9]) if (d(k) < 0 || d(k) > 9) return false;
    lastDayMs = Date.UTC(y, mo - 1, dd);
    lastDay = day;
  }
  const hh = d(11) * 10 + d(12);
  const mm = d(14) * 10 + d(15);
  const ss = d(17) * 10 + d(18);
  if (!(hh >= 0 && hh <= 23) || !(mm >= 0 && mm <= 59) || !(ss >= 0 && ss <= 60)) return false;
  let i = 19;
  let frac = 0;
  let nd = 0;
  if (code(i) === 46) {
    i++;
    while (i < n) {
      const c = code(i) - 48;
      if (c < 0 || c > 9) break;
      if (nd < 9) {
        frac = frac * 10 + c;
        nd++;
      }
      i++;
    }
    if (nd === 0) return false;
    for (let k = nd; k < 9; k++) frac *= 10;
  }
  let offsetMin: number;
  const z = code(i);
  if (z === 90 && i + 1 === n) offsetMin = 0;
  else if ((z === 43 || z === 45) && i + 6 === n && code(i + 3) === 58) {
    offsetMin = (d(i + 1) * 10 + d(i + 2)) * 60 + d(i + 4) * 10 + d(i + 5);
    if (z === 45) offsetMin = -offsetMin;
  } else return false;
  parsedMs = lastDayMs + ((hh * 60 + mm - offsetMin) * 60 + ss) * 1000 + Math.floor(frac / 1e6);
  parsedNs = frac % 1e6;
  return true;
}

/** RFC 3339 without a regex (the docker and cri stages parse one per line): undefined when not in the strict form. */
function parseRfc3339(s: string): ParsedTime | undefined {
  srcStr = s;
  srcBuf = undefined;
  return strictRfc3339(s.length) ? { ms: parsedMs, ns: parsedNs } : undefined;
}

/**
 * RFC 3339 (Go's RFC3339Nano layout) from bytes `b[start..end)` without making a string: the strict form is parsed
 * in place; anything else goes through the general layout parser. Undefined when it is no such time.
 */
export function parseRfc3339Bytes(b: Uint8Array, start: number, end: number): ParsedTime | undefined {
  srcBuf = b;
  srcOff = start;
  const ok = strictRfc3339(end - start);
  srcBuf = undefined;
  if (ok) {
    bytesResult.ms = parsedMs;
    bytesResult.ns = parsedNs;
    return bytesResult;
  }
  return RFC3339_GENERAL.parse(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
}
/** Reused by `parseRfc3339Bytes` (read at once by the caller). */
const bytesResult: ParsedTime = { ms: 0, ns: 0 };

/** Go's RFC3339Nano layout through the general layout parser (forms the strict fast path does not take). */
const RFC3339_GENERAL = compileTimeLayout('2006-01-02T15:04:05.999999999Z07:00');
