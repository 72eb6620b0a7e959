/**
 * Number formatting exactly as Prometheus's JSON API writes it (Go's `strconv.FormatFloat`), without allocating
 * more than the output string.
 */

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = v < 0 ? -v : v;
  // JavaScript's shortest round-trip representation uses plain notation exactly in [1e-6, 1e21).
  if (abs >= 1e-6 && abs < 1e21) return String(v);
  return expandExponent(v);
}

/**
 * Prometheus's `jsonutil.MarshalFloat` for sample values: Go's 'f' format, except 'e' format (two-digit exponent
 * at least, as Go writes it: `1e-07`, `1.5e+21`) below 1e-6 and from 1e21 in magnitude.
 */
export function formatSampleValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = v < 0 ? -v : v;
  if (abs >= 1e-6 && abs < 1e21) return String(v);
  return goExponent(v.toExponential());
}

/** JavaScript's `1e-7` / `1.5e+21` to Go's `1e-07` / `1.5e+21`. */
function goExponent(js: string): string {
  const e = js.indexOf('e');
  const sign = js[e + 1];
  const digits = js.slice(e + 2);
  return digits.length === 1 ? `${js.slice(0, e)}e${sign}0${digits}` : js;
}

/** Shortest digits of `v` written out without an exponent (Go pads with zeros rather than exact digits). */
function expandExponent(v: number): string {
  const js = v.toExponential();
  const neg = js[0] === '-';
  const body = neg ? js.slice(1) : js;
  const e = body.indexOf('e');
  const exp = Number(body.slice(e + 1));
  const digits = body.slice(0, e).replace('.', '');
  let out: string;
  if (exp >= 0) {
    out = exp + 1 >= digits.length ? digits + '0'.repeat(exp + 1 - digits.length) : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${out}` : out;
}

/** Prometheus's `jsonutil.MarshalTimestamp`: integer milliseconds as seconds with up to three decimals. */
export function formatTimestamp(ms: number): string {
  let t = Math.trunc(ms);
  let sign = '';
  if (t < 0) {
    sign = '-';
    t = -t;
  }
  const frac = t % 1000;
  const secs = (t - frac) / 1000;
  if (frac === 0) return `${sign}${secs}`;
  return `${sign}${secs}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/**
 * Go's `strconv.FormatFloat(v, 'g', -1, 64)`, as the Prometheus text exposition format writes sample values:
 * shortest round-trip digits, exponent form (two-digit exponent at least) when the decimal exponent is below -4
 * or at least 6 (`1e+06`, `1.5e-05`), plain otherwise.
 */
export function formatFloatG(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = v.toExponential();
  const exp = Number(e.slice(e.indexOf('e') + 1));
  if (exp < -4 || exp >= 6) return goExponent(e);
  return String(v);
}
