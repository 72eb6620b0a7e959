import * as z from 'zod';

/** The severity aliases of stanza's `mapping` (OpenTelemetry severity numbers 1..24; `default` is 0). */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const ALIASES: Record<string, number> = { default: 0 };
LEVELS.forEach((name, i) => {
  ALIASES[name] = i * 4 + 1;
  for (let k = 2; k <= 4; k++) ALIASES[`${name}${k}`] = i * 4 + k;
});

const mappingValue = z.union([z.string(), z.number(), z.strictObject({ min: z.number().int(), max: z.number().int() })]);
export const severityMappingSchema = z.record(z.string(), z.union([mappingValue, z.array(mappingValue)]));

interface Mapper {
  exact: Map<string, number>;
  ranges: Array<{ min: number; max: number; sev: number }>;
}

/**
 * Compile a `preset` (`default`: every alias maps its own name; `none`: empty) plus a `mapping` (a value, a list,
 * `{min, max}` ranges and `2xx`..`5xx`), matched case-insensitively; returns the severity number and text for a value.
 */
export function compileSeverity(preset: 'default' | 'none', mapping: z.output<typeof severityMappingSchema>): (v: unknown) => { number: number; text: string } | undefined {
  const m: Mapper = { exact: new Map(), ranges: [] };
  if (preset === 'default') for (const [alias, n] of Object.entries(ALIASES)) if (n > 0) m.exact.set(alias, n);
  for (const [alias, values] of Object.entries(mapping)) {
    const sev = ALIASES[alias.toLowerCase()] ?? (/^\d+$/.test(alias) ? Number(alias) : undefined);
    if (sev === undefined || sev > 24) throw new Error(`severity mapping: unknown severity ${JSON.stringify(alias)} (trace, debug, info, warn, error, fatal, with 2..4 suffixes)`);
    for (const v of Array.isArray(values) ? values : [values]) {
      if (typeof v === 'object') m.ranges.push({ min: v.min, max: v.max, sev });
      else if (typeof v === 'string' && /^[2-5]xx$/.test(v)) {
        const base = Number(v[0]) * 100;
        m.ranges.push({ min: base, max: base + 99, sev });
      } else m.exact.set(String(v).toLowerCase(), sev);
    }
  }
  return (v) => {
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    const text = String(v);
    const exact = m.exact.get(text.toLowerCase());
    if (exact !== undefined) return { number: exact, text };
    const n = typeof v === 'number' ? v : /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isInteger(n)) for (const r of m.ranges) if (n >= r.min && n <= r.max) return { number: r.sev, text };
    return undefined;
  };
}
