import * as z from 'zod';
import { parseGoDuration } from '../../config/index.js';

export { parseGoDuration };

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
