import * as z from 'zod';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parse a Go duration (`5s`, `1m30s`, `1.5h`, `200ms`, `0`) into milliseconds; undefined when malformed. */
export function parseGoDuration(s: string): number | undefined {
  let str = s.trim();
  let sign = 1;
  if (str.startsWith('-') || str.startsWith('+')) {
    if (str[0] === '-') sign = -1;
    str = str.slice(1);
  }
  if (str === '0') return 0;
  if (str === '') return undefined;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < str.length) {
    const m = PART.exec(str);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]];
  }
  return sign * ms;
}

/** A Go duration in the Collector's YAML (`timeout: 5s`); a bare number is nanoseconds, as in Go. */
export const goDurationMs = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'number') return v / 1e6;
  const ms = parseGoDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});
