/**
 * LogQL's `line_format` and `label_format` templates: Go's text/template (the one implementation in
 * src/lib/go-template) with Loki's function map — its own functions (`ToLower`, `Replace`, `regexReplaceAll`,
 * `count`, `urlencode`, `b64enc`, `bytes`, `duration`, `unixEpochMillis`, `unixToTime`, `alignLeft`, ...), the sprig
 * functions Loki enables (`lower`, `trunc`, `substr`, `contains`, `add`, `divf`, `default`, `date`, `toDate`,
 * `fromJson`, ...) and, per line, `__line__` and `__timestamp__`. The dot is the line's labels: `.name` is a label's
 * value, "" when absent (Go's `map[string]string`).
 */
import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import { FIELDS, InterfaceMap, TemplateError, execute, parseTemplate, type FieldSource, type ParsedTemplate, type TemplateFunc, BUILTIN_FUNCS } from '../../lib/go-template/index.js';
import { compileUnanchored, replaceAll } from '../../lib/regex/index.js';
import { parseGoDuration } from '../model/index.js';
import { parseBytes } from './parser.js';
import type * as NodeCrypto from 'node:crypto';

/** `node:crypto` on the first hash, not at import: the log agent loads it only when a config asks (docs/agent.md, Figures). */
const crypto = lazyBuiltin<typeof NodeCrypto>('node:crypto');

export { TemplateError };

export interface TemplateContext {
  get(name: string): string | undefined;
  line: string;
  /** Nanoseconds. */
  ts: bigint;
  /** What a missing field prints: "" for LogQL's label map, `<no value>` for Promtail's extracted map (Go's map[string]interface{}). */
  missingField?: string;
}

const str = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return String(v);
};

/** spf13/cast's `ToInt64`/`ToFloat64`, which sprig's arithmetic applies to any argument (0 when not a number). */
function toInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') {
    const s = v.replace(/\.0*$/, '');
    return /^[+-]?(0x[0-9a-f]+|\d+)$/i.test(s) ? BigInt(s.replace(/^\+/, '')) : 0n;
  }
  return 0n;
}
function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v);
    return v.trim() === '' || Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** Go's `strings.Trim*` with a cutset. */
function trimCutset(s: string, cutset: string, left: boolean, right: boolean): string {
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (left && a < b && cutset.includes(chars[a])) a++;
  while (right && b > a && cutset.includes(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

function asTime(v: unknown, fn: string): Date {
  if (v instanceof Date) return v;
  throw new Error(`wrong type for value; expected time.Time; got ${typeof v === 'string' ? 'string' : typeof v} in call to ${fn}`);
}

/** Go's reference-time layouts: the tokens Loki's users write in `date`, `toDate` and `toDateInZone`. */
const LAYOUT = /2006|January|Jan|Monday|Mon|MST|Z07:00|-07:00|-0700|\.0+|\.9+|01|02|_2|15|03|04|05|06|PM|pm|1|2|3|4|5/g;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function formatLayout(layout: string, d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ms = d.getUTCMilliseconds();
  return layout.replace(LAYOUT, (t) => {
    if (t.startsWith('.')) {
      const digits = `${String(ms).padStart(3, '0')}000000`.slice(0, t.length - 1);
      return t[1] === '9' ? (digits.replace(/0+$/, '') ? `.${digits.replace(/0+$/, '')}` : '') : `.${digits}`;
    }
    const h = d.getUTCHours();
    const map: Record<string, string> = {
      '2006': String(d.getUTCFullYear()),
      '06': p2(d.getUTCFullYear() % 100),
      January: MONTHS[d.getUTCMonth()],
      Jan: MONTHS[d.getUTCMonth()].slice(0, 3),
      '01': p2(d.getUTCMonth() + 1),
      '1': String(d.getUTCMonth() + 1),
      Monday: DAYS[d.getUTCDay()],
      Mon: DAYS[d.getUTCDay()].slice(0, 3),
      '02': p2(d.getUTCDate()),
      '2': String(d.getUTCDate()),
      _2: String(d.getUTCDate()).padStart(2, ' '),
      '15': p2(h),
      '03': p2(h % 12 || 12),
      '3': String(h % 12 || 12),
      '04': p2(d.getUTCMinutes()),
      '4': String(d.getUTCMinutes()),
      '05': p2(d.getUTCSeconds()),
      '5': String(d.getUTCSeconds()),
      PM: h < 12 ? 'AM' : 'PM',
      pm: h < 12 ? 'am' : 'pm',
      MST: 'UTC',
      'Z07:00': 'Z',
      '-07:00': '+00:00',
      '-0700': '+0000',
    };
    return map[t] ?? t;
  });
}

/** Go's `time.Parse` for the layouts above, in UTC. */
function parseLayout(layout: string, value: string): Date {
  const fields: string[] = [];
  let re = '';
  let last = 0;
  for (const m of layout.matchAll(LAYOUT)) {
    re += m[0].startsWith('.') ? '' : layout.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    last = m.index + m[0].length;
    const t = m[0];
    fields.push(t);
    if (t.startsWith('.')) re += layout.slice(last - t.length, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?:\\.(\\d+))?';
    else if (t === 'January' || t === 'Monday') re += '([A-Za-z]+)';
    else if (t === 'Jan' || t === 'Mon' || t === 'MST') re += '([A-Za-z]{3})';
    else if (t === 'Z07:00' || t === '-07:00' || t === '-0700') re += '(Z|[+-]\\d\\d:?\\d\\d)';
    else if (t === 'PM' || t === 'pm') re += '([AaPp][Mm])';
    else if (t === '2006') re += '(\\d{4})';
    else if (t === '_2') re += ' ?(\\d{1,2})';
    else re += t.length === 2 ? '(\\d{2})' : '(\\d{1,2})';
  }
  re += layout.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${re}$`).exec(value);
  if (!m) throw new Error(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse`);
  let [y, mo, day, h, mi, s, frac, off, pm] = [1, 1, 1, 0, 0, 0, 0, 0, ''];
  fields.forEach((t, i) => {
    const v = m[i + 1] ?? '';
    if (t === '2006') y = Number(v);
    else if (t === '06') y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
    else if (t === 'January' || t === 'Jan') mo = MONTHS.findIndex((x) => x.toLowerCase().startsWith(v.toLowerCase())) + 1;
    else if (t === '01' || t === '1') mo = Number(v);
    else if (t === '02' || t === '2' || t === '_2') day = Number(v);
    else if (t === '15' || t === '03' || t === '3') h = Number(v);
    else if (t === '04' || t === '4') mi = Number(v);
    else if (t === '05' || t === '5') s = Number(v);
    else if (t.startsWith('.')) frac = v ? Number(`0.${v}`) : 0;
    else if (t === 'PM' || t === 'pm') pm = v.toUpperCase();
    else if (t === 'Z07:00' || t === '-07:00' || t === '-0700') {
      if (v !== 'Z') off = (v[0] === '-' ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(-2)));
    }
  });
  if (pm === 'PM' && h < 12) h += 12;
  if (pm === 'AM' && h === 12) h = 0;
  return new Date(Date.UTC(y, mo - 1, day, h, mi, s) + Math.round(frac * 1000) - off * 60_000);
}

function jsonValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') return new InterfaceMap(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

function align(count: unknown, src: unknown, left: boolean): string {
  const n = Number(toInt(count));
  const runes = [...str(src)];
  if (n < 0 || n === runes.length) return str(src);
  if (n > runes.length) return left ? str(src) + ' '.repeat(n - runes.length) : ' '.repeat(n - runes.length) + str(src);
  return (left ? runes.slice(0, n) : runes.slice(runes.length - n)).join('');
}

const sprigIndent = (spaces: unknown, s: unknown) => {
  const pad = ' '.repeat(Number(toInt(spaces)));
  return pad + str(s).replaceAll('\n', `\n${pad}`);
};

/** Loki's function map (pkg/logql/log/fmt.go) and the sprig functions it enables. */
const LOKI_FUNCS: Record<string, TemplateFunc> = {
  ToLower: (s) => str(s).toLowerCase(),
  ToUpper: (s) => str(s).toUpperCase(),
  Replace: (s, o, n, c) => {
    const count = Number(toInt(c));
    if (count < 0) return str(s).split(str(o)).join(str(n));
    let out = str(s);
    let from = 0;
    for (let i = 0; i < count; i++) {
      const at = out.indexOf(str(o), from);
      if (at < 0) break;
      out = out.slice(0, at) + str(n) + out.slice(at + str(o).length);
      from = at + str(n).length + (str(o) === '' ? 1 : 0);
    }
    return out;
  },
  Trim: (s, cut) => trimCutset(str(s), str(cut), true, true),
  TrimLeft: (s, cut) => trimCutset(str(s), str(cut), true, false),
  TrimRight: (s, cut) => trimCutset(str(s), str(cut), false, true),
  TrimPrefix: (s, p) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  TrimSuffix: (s, p) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  TrimSpace: (s) => str(s).trim(),
  // Promtail's: hex SHA3-256 / SHA-256 of the input followed by the salt, written {{ Hash .Value "salt" }}.
  Hash: (s, salt) => crypto().createHash('sha3-256').update(str(s) + str(salt)).digest('hex'),
  Sha2Hash: (s, salt) => crypto().createHash('sha256').update(str(s) + str(salt)).digest('hex'),
  regexReplaceAll: (re, s, repl) => replaceAll(compileUnanchored(str(re)), str(s), str(repl)),
  regexReplaceAllLiteral: (re, s, repl) => replaceAll(compileUnanchored(str(re)), str(s), str(repl), { literal: true }),
  count: (re, s) => BigInt([...compileUnanchored(str(re)).matchAll(str(s))].length),
  urlencode: (s) => encodeURIComponent(str(s)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  urldecode: (s) => decodeURIComponent(str(s).replace(/\+/g, ' ')),
  b64enc: (s) => Buffer.from(str(s)).toString('base64'),
  b64dec: (s) => Buffer.from(str(s), 'base64').toString('utf8'),
  bytes: (s) => {
    const v = parseBytes(str(s));
    if (v === undefined) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(str(s))}: invalid syntax`);
    return v;
  },
  duration: (s) => goDurationSeconds(s),
  duration_seconds: (s) => goDurationSeconds(s),
  unixEpoch: (d) => String(Math.floor(asTime(d, 'unixEpoch').getTime() / 1000)),
  unixEpochMillis: (d) => String(asTime(d, 'unixEpochMillis').getTime()),
  unixEpochNanos: (d) => String(BigInt(asTime(d, 'unixEpochNanos').getTime()) * 1_000_000n),
  unixToTime: (s) => {
    const v = str(s);
    if (!/^\d+$/.test(v)) throw new Error(`unable to parse ${JSON.stringify(v)} as a unix timestamp`);
    const n = BigInt(v);
    if (v.length <= 10) return new Date(Number(n) * 1000);
    if (v.length === 13) return new Date(Number(n));
    if (v.length === 16) return new Date(Number(n / 1000n));
    if (v.length === 19) return new Date(Number(n / 1_000_000n));
    throw new Error(`unable to parse ${JSON.stringify(v)} as a unix timestamp`);
  },
  toDateInZone: (layout, _zone, s) => parseLayout(str(layout), str(s)),
  alignLeft: (n, s) => align(n, s, true),
  alignRight: (n, s) => align(n, s, false),
  // sprig
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  title: (s) => str(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, c: string) => a + c.toUpperCase()),
  trunc: (c, s) => {
    const n = Number(toInt(c));
    const v = str(s);
    if (n < 0 && v.length + n > 0) return v.slice(v.length + n);
    return n >= 0 && v.length > n ? v.slice(0, n) : v;
  },
  substr: (a, b, s) => {
    const v = str(s);
    const start = Number(toInt(a));
    const end = Number(toInt(b));
    if (start < 0) return v.slice(0, end);
    return end < 0 || end > v.length ? v.slice(start) : v.slice(start, end);
  },
  contains: (sub, s) => str(s).includes(str(sub)),
  hasPrefix: (p, s) => str(s).startsWith(str(p)),
  hasSuffix: (p, s) => str(s).endsWith(str(p)),
  indent: sprigIndent,
  nindent: (n, s) => '\n' + sprigIndent(n, s),
  replace: (o, n, s) => str(s).split(str(o)).join(str(n)),
  repeat: (c, s) => str(s).repeat(Math.max(0, Number(toInt(c)))),
  trim: (s) => str(s).trim(),
  trimAll: (cut, s) => trimCutset(str(s), str(cut), true, true),
  trimSuffix: (p, s) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  trimPrefix: (p, s) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  int: (v) => toInt(v),
  float64: (v) => toFloat(v),
  add: (...a) => a.reduce<bigint>((x, y) => x + toInt(y), 0n),
  sub: (a, b) => toInt(a) - toInt(b),
  mul: (...a) => a.reduce<bigint>((x, y) => x * toInt(y), 1n),
  div: (a, b) => {
    if (toInt(b) === 0n) throw new Error('runtime error: integer divide by zero');
    return toInt(a) / toInt(b);
  },
  mod: (a, b) => {
    if (toInt(b) === 0n) throw new Error('runtime error: integer divide by zero');
    return toInt(a) % toInt(b);
  },
  addf: (...a) => a.reduce<number>((x, y) => x + toFloat(y), 0),
  subf: (a, ...rest) => rest.reduce<number>((x, y) => x - toFloat(y), toFloat(a)),
  mulf: (...a) => a.reduce<number>((x, y) => x * toFloat(y), 1),
  divf: (a, ...rest) => rest.reduce<number>((x, y) => x / toFloat(y), toFloat(a)),
  max: (a, ...rest) => rest.reduce<bigint>((x, y) => (toInt(y) > x ? toInt(y) : x), toInt(a)),
  min: (a, ...rest) => rest.reduce<bigint>((x, y) => (toInt(y) < x ? toInt(y) : x), toInt(a)),
  maxf: (a, ...rest) => rest.reduce<number>((x, y) => Math.max(x, toFloat(y)), toFloat(a)),
  minf: (a, ...rest) => rest.reduce<number>((x, y) => Math.min(x, toFloat(y)), toFloat(a)),
  ceil: (v) => Math.ceil(toFloat(v)),
  floor: (v) => Math.floor(toFloat(v)),
  round: (v, p) => {
    const f = 10 ** Number(toInt(p ?? 0n));
    return Math.round(toFloat(v) * f) / f;
  },
  fromJson: (s) => {
    try {
      return jsonValue(JSON.parse(str(s)));
    } catch {
      return null;
    }
  },
  date: (layout, d) => formatLayout(str(layout), d instanceof Date ? d : new Date(Number(toInt(d)) * 1000)),
  toDate: (layout, s) => parseLayout(str(layout), str(s)),
  now: () => new Date(),
  default: (d, ...given) => (given.length === 0 || !given[0] || given[0] === '' ? d : given[0]),
};

function goDurationSeconds(s: unknown): number {
  const d = parseGoDuration(str(s));
  if ('error' in d) throw new Error(d.error);
  return d.ms / 1000;
}

const NAMES: ReadonlySet<string> = new Set([...Object.keys(BUILTIN_FUNCS), ...Object.keys(LOKI_FUNCS), '__line__', '__timestamp__']);

/** The labels of a line as the template's dot. */
class LineFields implements FieldSource {
  ctx: TemplateContext | undefined;
  [FIELDS](name: string): unknown {
    return this.ctx?.get(name) ?? this.ctx?.missingField ?? '';
  }
}

export class Template {
  private readonly parsed: ParsedTemplate;
  private readonly dot = new LineFields();
  private readonly funcs: Record<string, TemplateFunc>;

  /** Throws `TemplateError` (Loki answers 400) for a template that does not parse. */
  constructor(readonly source: string) {
    this.parsed = parseTemplate('line', source, NAMES);
    const dot = this.dot;
    this.funcs = {
      ...LOKI_FUNCS,
      __line__: () => dot.ctx?.line ?? '',
      __timestamp__: () => new Date(Number((dot.ctx?.ts ?? 0n) / 1_000_000n)),
    };
  }

  /** True when the template uses no action at all (a constant). */
  get isConstant(): boolean {
    return this.parsed.defs.size === 0 && this.parsed.root.every((n) => n.k === 'text');
  }

  /** The text for one line; an execution error throws `TemplateError`. */
  execute(ctx: TemplateContext): string {
    this.dot.ctx = ctx;
    try {
      return execute(this.parsed, this.dot, this.funcs);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      throw new TemplateError(`template: line: ${(e as Error).message}`);
    } finally {
      this.dot.ctx = undefined;
    }
  }
}
