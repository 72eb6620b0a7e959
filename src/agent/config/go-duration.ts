import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import { parseDuration, parseGoDuration as parseGoTimeDuration } from '../../config/index.js';

/**
 * Go's `time.ParseDuration` (Promtail's `time.Duration` fields: `batchwait: 1s`, `min_period: 500ms`,
 * `sync_period: 1m30s`), in milliseconds. Prometheus's `model.Duration` forms (`1d`, `1w`) are accepted too, since
 * some Promtail fields use those.
 */
export function parseGoDuration(s: string): number {
  return parseGoTimeDuration(s) ?? parseDuration(s.trim());
}

/** A zod field for a Go duration (a bare number is read as nanoseconds, as yaml.v2 into time.Duration does). */
export const goDuration = lazySchema(() => z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'number') return v / 1e6;
  try {
    return parseGoDuration(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `time: invalid duration ${JSON.stringify(v)}` });
    return z.NEVER;
  }
}));
