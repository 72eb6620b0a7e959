import * as z from 'zod';
import { parseDuration } from '../../config/index.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Go's `time.ParseDuration` (Promtail's `time.Duration` fields: `batchwait: 1s`, `min_period: 500ms`,
 * `sync_period: 1m30s`), in milliseconds. Prometheus's `model.Duration` forms (`1d`, `1w`) are accepted too, since
 * some Promtail fields use those.
 */
export function parseGoDuration(s: string): number {
  const t = s.trim();
  if (t === '0') return 0;
  let rest = t;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  // µ and μ escaped: esbuild leaves a regular expression's characters as written, and one character above U+00FF
  // makes V8 hold the whole agent bundle's source in two bytes per character (~250 kB more heap).
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;
  let total = 0;
  let matched = false;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m) {
      matched = false;
      break;
    }
    matched = true;
    total += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  if (matched) return sign * total;
  return parseDuration(t);
}

/** A zod field for a Go duration (a bare number is read as nanoseconds, as yaml.v2 into time.Duration does). */
export const goDuration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'number') return v / 1e6;
  try {
    return parseGoDuration(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `time: invalid duration ${JSON.stringify(v)}` });
    return z.NEVER;
  }
});
