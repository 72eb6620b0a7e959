/**
 * OTLP → Prometheus naming, as the OpenTelemetry Collector's Prometheus translator does it with metric suffixes on
 * (the `prometheusremotewrite` exporter's default): name tokens joined by `_`, the unit appended (`s` → `seconds`,
 * `By` → `bytes`, `m/s` → `meters_per_second`, annotations in braces dropped), `_total` for monotonic sums,
 * `_ratio` for gauges of unit `1`; label names with invalid characters replaced by `_`.
 */
const UNIT_MAP: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_MAP: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

/** Split on everything that is not a letter or digit (Go's `strings.FieldsFunc` with !IsLetter && !IsDigit). */
function tokens(s: string): string[] {
  return s.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '');
}

export type OtlpMetricKind = 'gauge' | 'sum' | 'histogram' | 'summary' | 'exponentialHistogram';

export function prometheusMetricName(name: string, unit: string, kind: OtlpMetricKind, monotonic: boolean): string {
  let nameTokens = tokens(name);
  const [mainUnit, perUnit] = splitOnce(unit, '/');
  const main = mainUnit.trim();
  if (main !== '' && !/[{}]/.test(main)) {
    const prom = tokens(UNIT_MAP[main] ?? main).join('_');
    if (prom !== '' && !nameTokens.includes(prom)) nameTokens.push(prom);
  }
  const per = perUnit?.trim();
  if (per && !/[{}]/.test(per)) {
    const prom = tokens(PER_UNIT_MAP[per] ?? per).join('_');
    if (prom !== '' && !nameTokens.includes(prom)) nameTokens.push('per', prom);
  }
  if (kind === 'sum' && monotonic) nameTokens = [...nameTokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') nameTokens = [...nameTokens.filter((t) => t !== 'ratio'), 'ratio'];
  let out = nameTokens.join('_');
  if (/^\d/.test(out)) out = '_' + out;
  return out;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** A Prometheus label name from an attribute key: invalid characters → `_`, `key_` before a leading digit, `key` before a single leading `_`. */
export function prometheusLabelName(key: string): string {
  if (key === '') return key;
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^\d/.test(out)) out = 'key_' + out;
  else if (out.startsWith('_') && !out.startsWith('__')) out = 'key' + out;
  return out;
}
