/**
 * Prometheus duration strings (`1h30m`, `15d`, `500ms`, `1y`): units y, w, d, h, m, s, ms, in decreasing order,
 * each at most once. Returns milliseconds.
 */
const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const ms = tryParseDuration(s);
  if (ms === undefined) throw new Error(`not a valid duration string: ${JSON.stringify(s)}`);
  if (!Number.isSafeInteger(ms)) throw new Error(`duration out of range: ${JSON.stringify(s)}`);
  return ms;
}

/** A duration with at least one unit (`5m`, not `0` or `300`) in ms, or undefined when `s` is not one. */
export function tryParseDuration(s: string): number | undefined {
  if (s === '') return undefined;
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < ORDER.length; i++) {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[ORDER[i]];
  }
  return ms;
}

/** Formats milliseconds the way Prometheus prints durations (`1h30m`, `15s`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  if (rest < 0) {
    out = '-';
    rest = -rest;
  }
  for (const u of ORDER) {
    const q = Math.floor(rest / UNIT_MS[u]);
    if (q > 0) {
      out += `${q}${u}`;
      rest -= q * UNIT_MS[u];
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5, EB: 1024 ** 6 };

/** Prometheus base-2 byte sizes (`512MB`, `1GB`, `0`). */
export function parseByteSize(s: string): number {
  if (s === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|PB|EB)$/i.exec(s.trim());
  if (!m) throw new Error(`not a valid byte size: ${JSON.stringify(s)}`);
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2].toUpperCase()]);
}

/** Milliseconds per unit of Go's durations (µ as U+00B5 and μ as U+03BC, escaped: esbuild keeps a string's
 * characters as written, and one character above U+00FF makes V8 hold the whole bundle chunk's source in two bytes
 * per character). */
const GO_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration in milliseconds, or the error Go's `time.ParseDuration` gives for the text. */
export type GoDurationResult = { ms: number } | { error: string };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Go's `time.ParseDuration` on `orig` as it is (no trimming): a sign, then decimal numbers each with a unit ns, us,
 * µs, μs, ms, s, m, h (only `0` may stand alone). Milliseconds, or Go's error text (`time: missing unit in duration
 * "5"`, `time: unknown unit "d" in duration "1d"`, `time: invalid duration "x"`) — Loki quotes these in its answers.
 */
export function parseGoDurationOrError(orig: string): GoDurationResult {
  let i = 0;
  let neg = false;
  if (orig.length > 0 && (orig[0] === '-' || orig[0] === '+')) {
    neg = orig[0] === '-';
    i = 1;
  }
  if (orig.length - i === 1 && orig[i] === '0') return { ms: 0 };
  if (i === orig.length) return { error: `time: invalid duration ${JSON.stringify(orig)}` };
  let total = 0;
  while (i < orig.length) {
    const numStart = i;
    while (i < orig.length && isDigit(orig.charCodeAt(i))) i++;
    const intEnd = i;
    let fracEnd = i;
    if (i < orig.length && orig[i] === '.') {
      i++;
      while (i < orig.length && isDigit(orig.charCodeAt(i))) i++;
      fracEnd = i;
    }
    if (intEnd === numStart && fracEnd <= intEnd + 1) return { error: `time: invalid duration ${JSON.stringify(orig)}` };
    const unitStart = i;
    while (i < orig.length && orig[i] !== '.' && !isDigit(orig.charCodeAt(i))) i++;
    if (unitStart === i) return { error: `time: missing unit in duration ${JSON.stringify(orig)}` };
    const unit = orig.slice(unitStart, i);
    const mul = GO_UNIT_MS[unit];
    if (mul === undefined) return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}` };
    // `1.` and `.5` are numbers to Go; Number() reads both forms.
    total += Number(orig.slice(numStart, unitStart)) * mul;
  }
  return { ms: neg ? -total : total };
}

/**
 * Go's `time.ParseDuration` (`5s`, `1m30s`, `1.5h`, `200ms`, `-1h`, `0`) of a configuration value (surrounding
 * whitespace ignored), in milliseconds; undefined when `s` is not one.
 */
export function parseGoDuration(s: string): number | undefined {
  const r = parseGoDurationOrError(s.trim());
  return 'ms' in r ? r.ms : undefined;
}

/** Go's time.Duration.String(): `721h0m0s`, `1m30s`, `500ms`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3600_000);
  const m = Math.floor((ms % 3600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
