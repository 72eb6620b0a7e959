/**
 * Go's `fmt` formatting of the values a Prometheus template handles: float64 (`%v`, `%g`, `%e`, `%f` with
 * precision, shortest and correctly rounded with ties to even as `strconv` does), integers (bigint here), strings,
 * booleans, maps and slices as `fmt.Sprint` prints them.
 */

/** A Go integer (`int`) in the template runtime; plain JS numbers are Go float64. */
export type GoInt = bigint;

/** Decimal digits of |v| rounded to `prec` significant digits (ties to even), trailing zeros trimmed; `dp` = decimal point position. */
function decimalDigits(v: number, prec: number): { d: string; dp: number } {
  const a = Math.abs(v);
  if (a === 0) return { d: '', dp: 0 };
  let s: string;
  if (prec < 0) {
    s = a.toExponential();
  } else {
    // toPrecision rounds exact ties away from zero; Go rounds them to even. Detect an exact tie with a long expansion.
    const p = Math.max(1, Math.min(prec, 100));
    s = a.toExponential(p - 1);
    const long = a.toExponential(Math.min(99, p + 40));
    const mant = long.slice(0, long.indexOf('e')).replace('.', '');
    const rest = mant.slice(p);
    if (rest.length > 0 && rest[0] === '5' && /^50*$/.test(rest) && p + 40 < 99) {
      const kept = mant.slice(0, p);
      const last = Number(kept[kept.length - 1]);
      if (last % 2 === 0) {
        const exp = Number(long.slice(long.indexOf('e') + 1));
        s = `${kept[0]}${kept.length > 1 ? '.' + kept.slice(1) : ''}e${exp}`;
      }
    }
  }
  const e = s.indexOf('e');
  let digits = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  digits = digits.replace(/0+$/, '');
  return { d: digits, dp: exp + 1 };
}

function fmtE(neg: boolean, d: string, dp: number, prec: number, upper: boolean): string {
  let out = neg ? '-' : '';
  out += d.length > 0 ? d[0] : '0';
  if (prec > 0) {
    out += '.';
    let frac = d.slice(1, 1 + prec);
    while (frac.length < prec) frac += '0';
    out += frac;
  }
  const exp = d.length === 0 ? 0 : dp - 1;
  const ae = Math.abs(exp);
  out += (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
  return out;
}

function fmtF(neg: boolean, d: string, dp: number, prec: number): string {
  let out = neg ? '-' : '';
  if (dp > 0) {
    let int = d.slice(0, dp);
    while (int.length < dp) int += '0';
    out += int;
  } else out += '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = dp + i;
      out += j < 0 || j >= d.length ? '0' : d[j];
    }
  }
  return out;
}

/** `strconv.FormatFloat(v, verb, prec, 64)` for verbs e, E, f, g, G (prec -1 = shortest). */
export function formatFloat(v: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const shortest = prec < 0;
  switch (verb) {
    case 'e':
    case 'E': {
      const { d, dp } = decimalDigits(v, shortest ? -1 : prec + 1);
      return fmtE(neg, d, dp, shortest ? Math.max(d.length - 1, 0) : prec, verb === 'E');
    }
    case 'f': {
      if (shortest) {
        const { d, dp } = decimalDigits(v, -1);
        return fmtF(neg, d, dp, Math.max(d.length - dp, 0));
      }
      // Round at `prec` decimals: significant digits = integer digits + prec.
      const a = Math.abs(v);
      if (a === 0) return fmtF(neg, '', 0, prec);
      const mag = Math.floor(Math.log10(a)) + 1;
      let sig = mag + prec;
      if (sig <= 0) {
        // Everything rounds to 0 or to one unit in the last place.
        const unit = 10 ** -prec;
        const up = a > unit / 2;
        return fmtF(neg, up ? '1' : '', up ? 1 - prec : 0, prec);
      }
      let { d, dp } = decimalDigits(v, sig);
      if (dp !== mag) {
        // log10 misjudged or rounding carried into a new digit.
        sig = dp + prec;
        ({ d, dp } = decimalDigits(v, Math.max(sig, 1)));
      }
      return fmtF(neg, d, dp, prec);
    }
    case 'g':
    case 'G': {
      let p = prec;
      if (p === 0) p = 1;
      const { d, dp } = decimalDigits(v, shortest ? -1 : p);
      const nd = d.length;
      let eprec = shortest ? nd : p;
      if (eprec > nd && nd >= dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = dp - 1;
      if (nd === 0) return neg ? '-0' : '0';
      if (exp < -4 || exp >= eprec) {
        let pe = shortest ? nd : p;
        if (pe > nd) pe = nd;
        return fmtE(neg, d, dp, pe - 1, verb === 'G');
      }
      let pf = shortest ? nd : p;
      if (pf > dp) pf = nd;
      return fmtF(neg, d, dp, Math.max(pf - dp, 0));
    }
  }
}

/** A value of the template runtime as Go's `fmt.Sprint` prints it (`%v`). */
export function sprintValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatFloat(v, 'g', -1);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return `[${v.map(sprintValue).join(' ')}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return `map[${keys.map((k) => `${sprintValue(k)}:${sprintValue(v.get(k))}`).join(' ')}]`;
  }
  if (v instanceof Date) return formatGoTime(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .map((k) => sprintValue(o[k]))
      .join(' ')}}`;
  }
  return String(v);
}

/** `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function formatGoTime(d: Date): string {
  const iso = d.toISOString();
  let frac = iso.slice(20, 23).replace(/0+$/, '');
  if (frac !== '') frac = '.' + frac;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

function typeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]string';
  return 'struct';
}

function quoteGo(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function pad(s: string, width: number, minus: boolean, zero: boolean): string {
  if (width <= s.length) return s;
  if (minus) return s + ' '.repeat(width - s.length);
  if (zero) {
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    const body = sign ? s.slice(1) : s;
    return sign + '0'.repeat(width - s.length) + body;
  }
  return ' '.repeat(width - s.length) + s;
}

/** Go's `fmt.Sprintf` for the verbs templates use: v s d f F e E g G q x X t %, flags `-+ 0#`, width and precision. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    let minus = false;
    let plus = false;
    let zero = false;
    let space = false;
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') minus = true;
      else if (f === '+') plus = true;
      else if (f === '0') zero = true;
      else if (f === ' ') space = true;
      else if (f === '#') continue;
      else break;
    }
    let width = -1;
    let prec = -1;
    const wm = /^\d+/.exec(format.slice(i));
    if (wm) {
      width = Number(wm[0]);
      i += wm[0].length;
    }
    if (format[i] === '.') {
      i++;
      const pm = /^\d+/.exec(format.slice(i));
      prec = pm ? Number(pm[0]) : 0;
      if (pm) i += pm[0].length;
    }
    const verb = format[i++];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argi++];
    let s: string;
    const signed = (x: string, nonneg: boolean) => (nonneg && plus ? '+' + x : nonneg && space ? ' ' + x : x);
    if (typeof a === 'number') {
      switch (verb) {
        case 'v':
        case 'g':
        case 'G':
          s = signed(formatFloat(a, verb === 'G' ? 'G' : 'g', prec), a >= 0);
          break;
        case 'e':
        case 'E':
          s = signed(formatFloat(a, verb, prec < 0 ? 6 : prec), a >= 0);
          break;
        case 'f':
        case 'F':
          s = signed(formatFloat(a, 'f', prec < 0 ? 6 : prec), a >= 0);
          break;
        default:
          s = `%!${verb}(float64=${formatFloat(a, 'g', -1)})`;
      }
    } else if (typeof a === 'bigint') {
      switch (verb) {
        case 'v':
        case 'd':
          s = signed(a.toString(), a >= 0n);
          break;
        case 'x':
          s = a.toString(16);
          break;
        case 'X':
          s = a.toString(16).toUpperCase();
          break;
        case 'f':
        case 'F':
        case 'e':
        case 'g':
          s = `%!${verb}(int=${a})`;
          break;
        default:
          s = `%!${verb}(int=${a})`;
      }
    } else if (typeof a === 'string') {
      switch (verb) {
        case 'v':
        case 's':
          s = prec >= 0 ? [...a].slice(0, prec).join('') : a;
          break;
        case 'q':
          s = quoteGo(a);
          break;
        case 'x':
          s = Buffer.from(a, 'utf8').toString('hex');
          break;
        case 'X':
          s = Buffer.from(a, 'utf8').toString('hex').toUpperCase();
          break;
        default:
          s = `%!${verb}(string=${a})`;
      }
    } else if (typeof a === 'boolean') {
      s = verb === 'v' || verb === 't' ? String(a) : `%!${verb}(bool=${a})`;
    } else {
      s = verb === 'v' || verb === 's' ? sprintValue(a) : `%!${verb}(${typeName(a)}=${sprintValue(a)})`;
    }
    out += width >= 0 ? pad(s, width, minus, zero && typeof a !== 'string') : s;
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${typeName(a)}=${sprintValue(a)}`)
      .join(', ')})`;
  }
  return out;
}
